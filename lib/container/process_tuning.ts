/**
 * `--ulimit`, `--sysctl`, `--oom-score-adj`, `--shm-size` as Docker takes them, checked before anything is
 * made; they reach the container through its OCI config (process.rlimits, linux.sysctl,
 * process.oomScoreAdj, the size of /dev/shm).
 *
 * @example
 * ```ts
 * parseUlimits(["nofile=1024:2048", "nproc=512"]); // [{ name: "nofile", soft: 1024, hard: 2048 }, { name: "nproc", soft: 512, hard: 512 }]
 * ```
 */
import { UsageError } from "../util/errors.ts";

export interface Ulimit {
  /** Docker's name: nofile, nproc, core, … */
  name: string;
  soft: number;
  hard: number;
}

const ULIMITS = ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack", "as"];

/** `NAME=SOFT[:HARD]` (-1: unlimited). */
export function parseUlimits(list: string[]): Ulimit[] {
  return list.map((arg) => {
    const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(arg);
    if (!m) throw new UsageError(`invalid argument "${arg}" for "--ulimit" flag: expected NAME=SOFT[:HARD]`);
    if (!ULIMITS.includes(m[1])) throw new UsageError(`invalid argument "${arg}" for "--ulimit" flag: invalid ulimit type: ${m[1]}`);
    const soft = Number(m[2]), hard = m[3] === undefined ? soft : Number(m[3]);
    const lim = (n: number) => (n < 0 ? Number.MAX_SAFE_INTEGER : n);
    if (lim(soft) > lim(hard)) throw new UsageError(`invalid argument "${arg}" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    return { name: m[1], soft, hard };
  });
}

/** The rlimit name of the OCI config (`RLIMIT_NOFILE`); -1 is RLIM_INFINITY. */
export function ociRlimits(ulimits: Ulimit[]): Array<{ type: string; soft: number; hard: number }> {
  return ulimits.map((u) => ({ type: `RLIMIT_${u.name.toUpperCase()}`, soft: u.soft, hard: u.hard }));
}

/**
 * `KEY=VALUE`, only the namespaced sysctls Docker allows — IPC's (kernel.msg*, kernel.sem, kernel.shm*,
 * fs.mqueue.*) and, unless the container shares the host's network, net.* — so a container cannot change
 * the host's kernel.
 */
export function parseSysctls(list: string[], hostNetwork: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of list) {
    const i = arg.indexOf("=");
    if (i < 1) throw new UsageError(`invalid argument "${arg}" for "--sysctl" flag: expected KEY=VALUE`);
    const key = arg.slice(0, i).replace(/\//g, ".");
    if (!/^[a-z0-9_]+(\.[a-z0-9_\-]+)+$/i.test(key)) throw new UsageError(`invalid argument "${arg}" for "--sysctl" flag: invalid key`);
    const ipc = /^kernel\.(msg\w+|sem|shm\w+)$/.test(key) || key.startsWith("fs.mqueue.");
    const net = key.startsWith("net.");
    if (!ipc && !net) throw new UsageError(`sysctl '${key}' is not allowed (only namespaced ones: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*)`);
    if (net && hostNetwork) throw new UsageError(`sysctl '${key}' is not allowed in the host's network namespace`);
    out[key] = arg.slice(i + 1);
  }
  return out;
}

/** `--oom-score-adj`: -1000 … 1000. */
export function parseOomScoreAdj(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < -1000 || n > 1000) throw new UsageError(`invalid value ${v} for --oom-score-adj: it must be between -1000 and 1000`);
  return n;
}
