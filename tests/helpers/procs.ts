/** The pids of the `berth supervise` processes serving `root`. */
export function supervisorPids(root: string): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (cmd.includes("supervise") && cmd.includes(root)) out.push(Number(e.name));
    } catch { /* gone */ }
  }
  return out;
}
