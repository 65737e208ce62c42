import { connectNetwork, createNetwork, disconnectNetwork, listNetworks, networkInspect, removeNetwork } from "../../mod.ts";
import { UsageError } from "../util/errors.ts";
import { type Command, commandGroup, out } from "./command.ts";
import { formatTable } from "./table.ts";

const create: Command = {
  name: "network create",
  summary: "Create a bridge network",
  usage: "[OPTIONS] NETWORK",
  help: [
    "-d, --driver string   bridge (the only driver)",
    "    --subnet string   subnet in CIDR format (default: a free private /16)",
    "    --gateway string  the bridge's address (default: the subnet's first)",
  ],
  options: { driver: { type: "string", short: "d" }, subnet: { type: "string" }, gateway: { type: "string" } },
  args: [1, 1],
  async run(g, v, [name]) {
    if (v.driver !== undefined && v.driver !== "bridge") throw new UsageError(`plugin "${v.driver}" not found: berth has the bridge driver only`);
    const n = await createNetwork(g.root, name, { subnet: v.subnet as string | undefined, gateway: v.gateway as string | undefined });
    out(n.id);
    return 0;
  },
};

const ls: Command = {
  name: "network ls",
  summary: "List networks",
  usage: "[OPTIONS]",
  help: ["-q, --quiet        only display network IDs", "    --format json  one JSON object per line"],
  options: { quiet: { type: "boolean", short: "q" }, format: { type: "string" } },
  args: [0, 0],
  run(g, v) {
    const nets = listNetworks(g.root);
    const rows = [
      ["", "bridge", "bridge"],
      ["", "host", "host"],
      ["", "none", "null"],
    ].filter(([, name]) => !nets.some((n) => n.name === name));
    const all = [...nets.map((n) => [n.id.slice(0, 12), n.name, n.driver]), ...rows].sort((a, b) => a[1].localeCompare(b[1]));
    if (v.quiet) out(all.filter((r) => r[0]).map((r) => r[0]).join("\n"));
    else if (v.format === "json") out(all.map(([ID, Name, Driver]) => JSON.stringify({ ID, Name, Driver, Scope: "local" })).join("\n"));
    else out(formatTable(["NETWORK ID", "NAME", "DRIVER", "SCOPE"], all.map((r) => [r[0] || "-", r[1], r[2], "local"])));
    return Promise.resolve(0);
  },
};

const inspect: Command = {
  name: "network inspect",
  summary: "Display detailed information on one or more networks",
  usage: "NETWORK [NETWORK...]",
  options: {},
  args: [1, Infinity],
  run(g, _v, names) {
    out(JSON.stringify(names.map((n) => networkInspect(g.root, n)), null, 4));
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
  usage: "NETWORK CONTAINER",
  options: {},
  args: [2, 2],
  async run(g, _v, [net, ctr]) {
    await connectNetwork(g.root, net, ctr);
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

const subcommands: Record<string, Command> = { create, ls, list: ls, inspect, rm, remove: rm, connect, disconnect };

export const networkCommand = commandGroup("network", "Manage networks", subcommands, ["create   Create a network", "ls       List networks", "inspect  Display detailed information on networks", "rm       Remove networks", "connect  Connect a container to a network", "disconnect  Disconnect a container from a network"]);
