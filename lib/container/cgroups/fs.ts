/** Small helpers for cgroupfs files: writes that name the file in their error, reads that tolerate absence. */
import { BerthError, messageOf } from "../../util/errors.ts";

export function writeValue(path: string, value: string | number): void {
  try {
    Deno.writeTextFileSync(path, String(value));
  } catch (err) {
    throw new BerthError(`cgroup: cannot write ${value} to ${path}: ${messageOf(err)}`);
  }
}

export function readValue(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return undefined;
  }
}

export function readNumber(path: string): number | undefined {
  const s = readValue(path);
  if (s === undefined || s === "max") return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** The pids listed in a `cgroup.procs` file. */
export function readPids(path: string): number[] {
  return (readValue(path) ?? "").split("\n").filter(Boolean).map(Number);
}

/** A "key value" file (memory.stat, memory.events) as a map. */
export function readKeyed(path: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of (readValue(path) ?? "").split("\n")) {
    const [k, v] = line.split(/\s+/);
    if (k && v !== undefined) m.set(k, Number(v));
  }
  return m;
}

/**
 * Kills every process in the cgroup and removes the directory. rmdir fails with EBUSY while a
 * process exits, so it retries for a short while.
 */
export async function killAndRemove(dir: string, procs = `${dir}/cgroup.procs`): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    let pids: number[];
    try {
      pids = readPids(procs);
    } catch {
      pids = [];
    }
    for (const pid of pids) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    }
    try {
      Deno.removeSync(dir);
      return;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      if (attempt === 199) throw new BerthError(`cgroup: cannot remove ${dir}: ${messageOf(err)}`);
    }
    await new Promise((r) => setTimeout(r, 5)); // busy: a process is still exiting
  }
}
