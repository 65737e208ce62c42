/** The processes of a running container, read from /proc by its cgroup (`top`). */
import { containerCgroup } from "./cgroups/cgroup.ts";
import { procStat } from "../util/proc_stat.ts";

export interface ProcessRow {
  uid: string;
  pid: number;
  ppid: string;
  /** cpu time, HH:MM:SS */
  time: string;
  cmd: string;
}

function row(pid: number): ProcessRow | undefined {
  const stat = procStat(pid);
  if (!stat) return undefined;
  try {
    const uid = /^Uid:\s+(\d+)/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1] ?? "?";
    const cmd = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter(Boolean).join(" ");
    const ticks = stat.utime + stat.stime; // in 1/100 s
    const t = Math.floor(ticks / 100);
    const time = `${String(Math.floor(t / 3600)).padStart(2, "0")}:${String(Math.floor(t / 60) % 60).padStart(2, "0")}:${String(t % 60).padStart(2, "0")}`;
    return { uid, pid, ppid: String(stat.ppid), time, cmd: cmd || stat.comm };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** The container's processes, by pid. */
export function containerProcesses(id: string): ProcessRow[] {
  return containerCgroup(id).pids().sort((a, b) => a - b).map(row).filter((r): r is ProcessRow => !!r);
}
