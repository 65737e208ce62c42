/**
 * One process's /proc/PID/stat, parsed once for every reader (liveness, pid-reuse checks, `top`). The
 * command name (field 2) may hold spaces and parentheses — a container chooses it — so the fields are
 * counted from its last closing parenthesis.
 *
 * @example
 * ```ts
 * const s = procStat(Deno.pid);
 * console.log(s?.state, s?.ppid, s?.startTime);
 * ```
 */
export interface ProcStat {
  /** the command name, without its parentheses */
  comm: string;
  /** R, S, D, Z, X, T, … */
  state: string;
  ppid: number;
  /** user and system CPU time, in clock ticks */
  utime: number;
  stime: number;
  /** start time after boot, in clock ticks: with the pid, it names one process for good */
  startTime: number;
}

/** Parses the text of a stat file. */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(")");
  const f = text.slice(close + 2).split(" ");
  return {
    comm: text.slice(text.indexOf("(") + 1, close),
    state: f[0],
    ppid: Number(f[1]),
    utime: Number(f[11]),
    stime: Number(f[12]),
    startTime: Number(f[19]),
  };
}

/** The process's stat; undefined when there is no such process. */
export function procStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

/** Whether `state` is an exited, not yet reaped process's. */
export function isExited(state: string): boolean {
  return state === "Z" || state === "X";
}

/** Whether the process `pid` that started at `startTime` still runs — not a later one given its pid. */
export function processLives(pid: number, startTime: number): boolean {
  const s = procStat(pid);
  return !!s && s.startTime === startTime && !isExited(s.state);
}

/** Whether `pid` runs (a zombie does not: its parent may be an init that reaps late). */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  const s = procStat(pid);
  return !!s && !isExited(s.state);
}
