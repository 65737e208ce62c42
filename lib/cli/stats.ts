import { containerCgroup } from "../container/cgroups/cgroup.ts";
import { reconcile } from "../container/cleanup.ts";
import { type ContainerRecord, findContainer, listRecords, readRecord } from "../container/state.ts";
import { netStats } from "../container/net_stats.ts";
import { humanSize } from "../util/human.ts";
import { NotFoundError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";
import { formatTable } from "./table.ts";
import { renderFormat } from "./format.ts";

const HEADERS = { ID: "CONTAINER ID", CPUPerc: "CPU %", MemUsage: "MEM USAGE / LIMIT", MemPerc: "MEM %", NetIO: "NET I/O", BlockIO: "BLOCK I/O" };

interface Sample {
  cpu: number;
  at: number;
}

function sampleOf(r: ContainerRecord): Sample {
  return { cpu: containerCgroup(r.spec.id).stats().cpuNanos ?? 0, at: performance.now() };
}

/** One row, Docker's columns; CPU % over the time since `before`. */
function row(r: ContainerRecord, before: Sample | undefined) {
  const running = r.state.status === "running";
  const s = running ? containerCgroup(r.spec.id).stats() : {};
  const cpuPct = before && s.cpuNanos !== undefined ? ((s.cpuNanos - before.cpu) / ((performance.now() - before.at) * 1e6)) * 100 : 0;
  const limit = s.memoryLimit ?? Deno.systemMemoryInfo().total;
  const net = Object.values(netStats(running ? r.state.pid : undefined));
  const rx = net.reduce((a, n) => a + n.rx_bytes, 0), tx = net.reduce((a, n) => a + n.tx_bytes, 0);
  return {
    ID: r.spec.id.slice(0, 12),
    Name: r.spec.name,
    CPUPerc: running ? `${cpuPct.toFixed(2)}%` : "--",
    MemUsage: running ? `${humanSize(s.memoryBytes ?? 0)} / ${humanSize(limit)}` : "-- / --",
    MemPerc: running ? `${(((s.memoryBytes ?? 0) / limit) * 100).toFixed(2)}%` : "--",
    NetIO: running ? `${humanSize(rx)} / ${humanSize(tx)}` : "--",
    BlockIO: running ? `${humanSize(s.blockRead ?? 0)} / ${humanSize(s.blockWrite ?? 0)}` : "--",
    PIDs: running ? String(s.pids ?? 0) : "--",
  };
}

export const statsCommand: Command = {
  name: "stats",
  summary: "Display a live stream of containers' resource usage (cgroup memory, CPU, network, block I/O, pids)",
  usage: "[OPTIONS] [CONTAINER...]",
  help: [
    "-a, --all           show all containers (default shows just running)",
    "    --no-stream     print one sample and exit (default: a new table each second, until Ctrl-C)",
    "    --format string json, table, table TEMPLATE, or a Go template per container ({{.Name}} {{.CPUPerc}} …)",
  ],
  options: { all: { type: "boolean", short: "a" }, "no-stream": { type: "boolean" }, format: { type: "string" } },
  args: [0, Infinity],
  fastExit: true,
  async run(g, v, refs) {
    await reconcile(g.root);
    const named = refs.map((ref) => {
      const rec = findContainer(g.root, ref);
      if (!rec) throw new NotFoundError(`No such container: ${ref}`);
      return rec;
    });
    // without names: the running ones (all with -a), looked up again each round so new ones appear
    const current = () =>
      named.length
        ? named.map((r) => readRecord(g.root, r.spec.id) ?? r)
        : listRecords(g.root).filter((r) => v.all || r.state.status === "running");
    const render = (rows: ReturnType<typeof row>[]) => {
      const table = () =>
        formatTable(
          ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"],
          rows.map((r) => [r.ID, r.Name, r.CPUPerc, r.MemUsage, r.MemPerc, r.NetIO, r.BlockIO, r.PIDs]),
        );
      const items = rows.map((r) => ({ ...r, Container: r.ID }));
      return v.format !== undefined ? renderFormat(v.format as string, v.format === "json" ? rows : items, HEADERS, table) : table();
    };
    // CPU % needs two samples: the first table comes after half a second, as Docker's --no-stream does
    let samples = new Map(current().map((r) => [r.spec.id, sampleOf(r)]));
    await new Promise((r) => setTimeout(r, 500));
    if (v["no-stream"]) {
      const text = render(current().map((r) => row(r, samples.get(r.spec.id))));
      if (text) out(text);
      return 0;
    }
    let stopped = false;
    const stop = () => (stopped = true);
    Deno.addSignalListener("SIGINT", stop);
    const clear = Deno.stdout.isTerminal() ? "\x1b[2J\x1b[H" : "";
    while (!stopped) {
      const recs = current();
      const text = render(recs.map((r) => row(r, samples.get(r.spec.id))));
      out(clear + (text || ""));
      samples = new Map(recs.map((r) => [r.spec.id, sampleOf(r)]));
      for (let waited = 0; waited < 1000 && !stopped; waited += 100) await new Promise((r) => setTimeout(r, 100));
    }
    return 0;
  },
};
