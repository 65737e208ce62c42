import { containerCgroup } from "../container/cgroups/cgroup.ts";
import { reconcile } from "../container/cleanup.ts";
import { findContainer, listRecords } from "../container/state.ts";
import { humanSize } from "../util/human.ts";
import { BerthError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";
import { formatTable } from "./table.ts";
import { renderFormat } from "./format.ts";

export const statsCommand: Command = {
  name: "stats",
  summary: "Display containers' resource usage (cgroup memory, CPU, pids)",
  usage: "[OPTIONS] [CONTAINER...]",
  help: ["    --no-stream    print one sample and exit (the only mode berth has)", "    --format string  json, table, table TEMPLATE, or a Go template per container ({{.Name}} {{.CPUPerc}} …)"],
  options: { "no-stream": { type: "boolean" }, format: { type: "string" } },
  args: [0, Infinity],
  async run(g, v, refs) {
    await reconcile(g.root);
    const recs = refs.length
      ? refs.map((r) => {
        const rec = findContainer(g.root, r);
        if (!rec) throw new BerthError(`No such container: ${r}`);
        return rec;
      })
      : listRecords(g.root).filter((r) => r.state.status === "running");
    // CPU % needs two samples; Docker's --no-stream also waits for a second one
    const first = recs.map((r) => ({ r, cpu: containerCgroup(r.spec.id).stats().cpuNanos ?? 0, t: performance.now() }));
    await new Promise((r) => setTimeout(r, 500));
    const rows = first.map(({ r, cpu, t }) => {
      const s = containerCgroup(r.spec.id).stats();
      const cpuPct = s.cpuNanos !== undefined ? ((s.cpuNanos - cpu) / ((performance.now() - t) * 1e6)) * 100 : 0;
      const limit = s.memoryLimit ?? Deno.systemMemoryInfo().total;
      return {
        ID: r.spec.id.slice(0, 12),
        Name: r.spec.name,
        CPUPerc: `${cpuPct.toFixed(2)}%`,
        MemUsage: `${humanSize(s.memoryBytes ?? 0)} / ${humanSize(limit)}`,
        MemPerc: `${(((s.memoryBytes ?? 0) / limit) * 100).toFixed(2)}%`,
        PIDs: String(s.pids ?? 0),
      };
    });
    const table = () =>
      formatTable(
        ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS"],
        rows.map((r) => [r.ID, r.Name, r.CPUPerc, r.MemUsage, r.MemPerc, r.PIDs]),
      );
    const items = rows.map((r) => ({ ...r, Container: r.ID }));
    const text = v.format !== undefined
      ? renderFormat(v.format as string, v.format === "json" ? rows : items, { ID: "CONTAINER ID", CPUPerc: "CPU %", MemUsage: "MEM USAGE / LIMIT", MemPerc: "MEM %" }, table)
      : table();
    if (text) out(text);
    return 0;
  },
};
