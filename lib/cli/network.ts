import { connectNetwork, createNetwork, disconnectNetwork, listNetworks, networkInspect, removeNetwork } from "../../mod.ts";
import { UsageError } from "../util/errors.ts";
import { boolFilter, labelMatches, parseFilters } from "../util/filters.ts";
import { listRecords } from "../container/state.ts";
import { LABEL_FILE_OPTION, labelOptions } from "./run_options.ts";
import { type Command, commandGroup, out } from "./command.ts";
import { formatTable } from "./table.ts";
import { renderFormat } from "./format.ts";
import { networkPruneCommand } from "./prune_commands.ts";

const create: Command = {
  name: "network create",
  summary: "Create a bridge network",
  usage: "[OPTIONS] NETWORK",
  help: [
    "-d, --driver string   bridge (the only driver)",
    "    --subnet string   subnet in CIDR format (default: a free private /16)",
    "    --gateway string  the bridge's address (default: the subnet's first)",
    "    --ip-range string containers' addresses from this part of the subnet (CIDR)",
    "    --internal        restrict external access to the network (no NAT, no default route)",
    "    --label list      set metadata on the network (key=value)",
    "    --label-file list read in a line delimited file of labels",
    "-o, --opt map         bridge options: com.docker.network.bridge.name=NAME, com.docker.network.driver.mtu=N,",
    "                      com.docker.network.bridge.enable_ip_masquerade=false, com.docker.network.bridge.enable_icc=false",
  ],
  options: {
    driver: { type: "string", short: "d" },
    subnet: { type: "string" },
    gateway: { type: "string" },
    "ip-range": { type: "string" },
    internal: { type: "boolean" },
    label: { type: "string", multiple: true },
    "label-file": LABEL_FILE_OPTION,
    opt: { type: "string", short: "o", multiple: true },
  },
  args: [1, 1],
  async run(g, v, [name]) {
    if (v.driver !== undefined && v.driver !== "bridge") throw new UsageError(`plugin "${v.driver}" not found: berth has the bridge driver only`);
    const n = await createNetwork(g.root, name, {
      subnet: v.subnet as string | undefined,
      gateway: v.gateway as string | undefined,
      ipRange: v["ip-range"] as string | undefined,
      internal: !!v.internal,
      labels: labelOptions(v),
      options: keyValues("--opt", (v.opt as string[] | undefined) ?? []),
    });
    out(n.id);
    return 0;
  },
};

const ls: Command = {
  name: "network ls",
  summary: "List networks",
  usage: "[OPTIONS]",
  help: [
    "-q, --quiet         only display network IDs",
    "    --format string json, table, table TEMPLATE, or a Go template per network ({{.Name}} …)",
    "-f, --filter filter name=…, label=KEY[=VALUE], dangling=true|false, driver=bridge|host|null",
  ],
  options: { quiet: { type: "boolean", short: "q" }, format: { type: "string" }, filter: { type: "string", short: "f", multiple: true } },
  args: [0, 0],
  run(g, v) {
    const f = parseFilters(v.filter as string[] | undefined, ["name", "label", "dangling", "driver"]);
    const dangling = f.values.get("dangling")?.map((d) => boolFilter("dangling", d));
    const used = new Set(listRecords(g.root).flatMap((r) => [r.spec.network, ...(r.state.connected ?? []).map((c) => c.network)]));
    const nets = listNetworks(g.root);
    const rows = [
      ["", "bridge", "bridge"],
      ["", "host", "host"],
      ["", "none", "null"],
    ].filter(([, name]) => !nets.some((n) => n.name === name));
    const labels = new Map(nets.map((n) => [n.name, n.labels]));
    const all = [...nets.map((n) => [n.id.slice(0, 12), n.name, n.driver]), ...rows]
      .filter(([, name, driver]) =>
        f.match("name", (x) => name.includes(x)) &&
        f.match("driver", (x) => driver === x) &&
        f.matchAll("label", (x) => labelMatches(labels.get(name), x)) &&
        // the predefined networks are never dangling, as in Docker
        (!dangling || dangling.some((d) => d === (!["bridge", "host", "none"].includes(name) && !used.has(name))))
      )
      .sort((a, b) => a[1].localeCompare(b[1]));
    if (v.quiet) {
      const ids = all.filter((r) => r[0]).map((r) => r[0]);
      if (ids.length) out(ids.join("\n"));
    }
    else {
      const table = () => formatTable(["NETWORK ID", "NAME", "DRIVER", "SCOPE"], all.map((r) => [r[0] || "-", r[1], r[2], "local"]));
      if (v.format === undefined) out(table());
      else {
        const items = all.map(([ID, Name, Driver]) => ({ ID, Name, Driver, Scope: "local", Labels: Object.entries(labels.get(Name) ?? {}).map(([k, x]) => `${k}=${x}`).join(",") }));
        const text = renderFormat(v.format as string, items, { ID: "NETWORK ID" }, table);
        if (text) out(text);
      }
    }
    return Promise.resolve(0);
  },
};

const inspect: Command = {
  name: "network inspect",
  summary: "Display detailed information on one or more networks",
  usage: "NETWORK [NETWORK...]",
  help: ["-f, --format string   a Go template per network ({{.IPAM.Config}} …)"],
  options: { format: { type: "string", short: "f" } },
  args: [1, Infinity],
  run(g, v, names) {
    const found = names.map((n) => networkInspect(g.root, n));
    const json = () => JSON.stringify(found, null, 4);
    out(v.format !== undefined ? renderFormat(v.format as string, found, {}, json) : json());
    return Promise.resolve(0);
  },
};

const rm: Command = {
  name: "network rm",
  summary: "Remove one or more networks (not while containers run on them)",
  usage: "NETWORK [NETWORK...]",
  options: {},
  args: [1, Infinity],
  async run(g, _v, names) {
    for (const n of names) out(await removeNetwork(g.root, n));
    return 0;
  },
};

const connect: Command = {
  name: "network connect",
  summary: "Connect a container to a network (a running one at once, as its next ethN)",
  usage: "[OPTIONS] NETWORK CONTAINER",
  help: [
    "    --ip string    IPv4 address on the network (e.g. 10.90.0.10)",
    "    --alias list   add a network-scoped alias for the container",
  ],
  options: { ip: { type: "string" }, alias: { type: "string", multiple: true } },
  args: [2, 2],
  async run(g, v, [net, ctr]) {
    await connectNetwork(g.root, net, ctr, { ip: v.ip as string | undefined, aliases: (v.alias as string[] | undefined) ?? [] });
    return 0;
  },
};

const disconnect: Command = {
  name: "network disconnect",
  summary: "Disconnect a container from a network it was connected to",
  usage: "NETWORK CONTAINER",
  options: {},
  args: [2, 2],
  async run(g, _v, [net, ctr]) {
    await disconnectNetwork(g.root, net, ctr);
    return 0;
  },
};

/** `-o KEY=VALUE` lists (network and volume options) as a map; a KEY without `=` is refused. */
export function keyValues(flag: string, items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf("=");
    if (i <= 0) throw new UsageError(`invalid argument "${item}" for "${flag}" flag: expected KEY=VALUE`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

const subcommands: Record<string, Command> = { create, ls, list: ls, inspect, rm, remove: rm, connect, disconnect, prune: networkPruneCommand };

export const networkCommand = commandGroup("network", "Manage networks", subcommands, ["create   Create a network", "ls       List networks", "inspect  Display detailed information on networks", "rm       Remove networks", "connect  Connect a container to a network", "disconnect  Disconnect a container from a network", "prune    Remove all unused networks"]);
