import { reconcile } from "../container/cleanup.ts";
import { commandText, inspectRecord, stateName, statusText } from "../container/describe.ts";
import { corruptRecords, listRecords } from "../container/state.ts";
import { goTime, humanDuration } from "../util/human.ts";
import { containerMatcher, impliesAll } from "../container/filter.ts";
import { type Command, out } from "./command.ts";
import { formatTable } from "./table.ts";
import { renderFormat } from "./format.ts";
import { portsText } from "../container/network/ports.ts";

export const psCommand: Command = {
  name: "ps",
  summary: "List containers",
  usage: "[OPTIONS]",
  help: [
    "-a, --all             show all containers (default shows just running)",
    "-q, --quiet           only display container IDs",
    "-f, --filter filter   id, name, label, status, exited, ancestor, network, volume, health, before, since, publish, expose",
    "    --format string   json, table, table TEMPLATE, or a Go template per container ({{.ID}} {{.Names}} …)",
    "    --no-trunc        do not truncate output",
  ],
  options: {
    all: { type: "boolean", short: "a" },
    quiet: { type: "boolean", short: "q" },
    filter: { type: "string", short: "f", multiple: true },
    format: { type: "string" },
    "no-trunc": { type: "boolean" },
  },
  args: [0, 0],
  async run(g, v) {
    await reconcile(g.root); // a container whose berth was killed is reported as exited
    const { filters, test } = containerMatcher(g.root, v.filter as string[] | undefined);
    // a container whose record is unreadable is not silently left out: say which file, and how to remove it
    for (const bad of corruptRecords(g.root)) console.error(`berth: warning: ${bad.message}`);
    const now = Date.now();
    const recs = listRecords(g.root)
      .filter((r) => v.all || impliesAll(filters) || stateName(r) === "running" || stateName(r) === "paused" || stateName(r) === "restarting")
      .filter(test)
      .sort((a, b) => b.spec.created.localeCompare(a.spec.created));
    const id = (x: string) => (v["no-trunc"] ? x : x.slice(0, 12));
    if (v.quiet) {
      if (recs.length) out(recs.map((r) => id(r.spec.id)).join("\n"));
      return 0;
    }
    if (v.format !== undefined) {
      const rows = recs.map((r) => psRow(g.root, r, now, id));
      const text = renderFormat(v.format as string, rows, PS_TITLES, () => psTable(recs, now, id));
      if (text) out(text);
      return 0;
    }
    out(psTable(recs, now, id));
    return 0;
  },
};

type Rec = ReturnType<typeof listRecords>[number];

function psTable(recs: Rec[], now: number, id: (x: string) => string): string {
  return formatTable(
    ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"],
    recs.map((r) => [
      id(r.spec.id),
      r.spec.image,
      commandText(r),
      `${humanDuration(now - Date.parse(r.spec.created))} ago`,
      statusText(r, now),
      portsText(r.state.network?.ports ?? r.state.ports),
      r.spec.name,
    ]),
  );
}

/** `docker ps --format`'s titles for `table` templates. */
const PS_TITLES: Record<string, string> = {
  ID: "CONTAINER ID", RunningFor: "CREATED", LocalVolumes: "LOCAL VOLUMES", CreatedAt: "CREATED AT",
};

/** A container as `docker ps --format` sees it: its fields, and `.Label "KEY"`. */
function psRow(root: string, r: Rec, now: number, id: (x: string) => string) {
  const labels = r.spec.labels ?? {};
  const mounts = r.spec.mounts.map((m) => (m.type === "volume" ? m.source : m.type === "bind" ? m.source : m.destination));
  const networks = r.spec.network === "none" || r.spec.network === "host" || r.spec.network.startsWith("container:") ? [r.spec.network] : [r.spec.network, ...(r.spec.extraNetworks ?? [])];
  const row = {
    ID: id(r.spec.id),
    Image: r.spec.image,
    Command: commandText(r),
    CreatedAt: goTime(r.spec.created),
    RunningFor: `${humanDuration(now - Date.parse(r.spec.created))} ago`,
    State: stateName(r),
    Status: statusText(r, now),
    Ports: portsText(r.state.network?.ports ?? r.state.ports),
    Names: r.spec.name,
    Labels: Object.entries(labels).map(([k, val]) => `${k}=${val}`).join(","),
    Mounts: mounts.join(","),
    Networks: networks.join(","),
    LocalVolumes: String(r.spec.mounts.filter((m) => m.type === "volume").length),
    RestartCount: (inspectRecord(root, r) as { RestartCount: number }).RestartCount,
  };
  return Object.defineProperty(row, "Label", { value: (key: string) => labels[key] ?? "", enumerable: false });
}
