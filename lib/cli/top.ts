import { containerCgroup } from "../container/cgroups/cgroup.ts";
import { getContainer } from "../container/lifecycle.ts";
import { BerthError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";
import { formatTable } from "./table.ts";

function procRow(pid: number): string[] | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const uid = /^Uid:\s+(\d+)/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1] ?? "?";
    const cmd = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter(Boolean).join(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in 1/100 s
    const t = Math.floor(ticks / 100);
    const time = `${String(Math.floor(t / 3600)).padStart(2, "0")}:${String(Math.floor(t / 60) % 60).padStart(2, "0")}:${String(t % 60).padStart(2, "0")}`;
    return [uid, String(pid), fields[1], time, cmd || stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))];
  } catch {
    return undefined; // exited meanwhile
  }
}

export const topCommand: Command = {
  name: "top",
  summary: "Display the running processes of a container",
  usage: "CONTAINER",
  options: {},
  args: [1, 1],
  async run(g, _v, [ref]) {
    const rec = await getContainer(g.root, ref);
    if (rec.state.status !== "running") throw new BerthError(`container ${rec.spec.id} is not running`);
    const rows = containerCgroup(rec.spec.id).pids().sort((a, b) => a - b).map(procRow).filter((r): r is string[] => !!r);
    out(formatTable(["UID", "PID", "PPID", "TIME", "CMD"], rows));
    return 0;
  },
};
