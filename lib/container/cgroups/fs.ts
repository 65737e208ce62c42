/** Small helpers for cgroupfs files: writes that name the file in their error, reads that tolerate absence. */
import { BerthError, messageOf } from "../../util/errors.ts";

export function writeValue(path: string, value: string | number): void {
  try {
    Deno.writeTextFileSync(path, String(value));
  } catch (err) {
    throw new BerthError(`cgroup: cannot write ${value} to ${path}: ${messageOf(err)}`);
  }
}

/** Writes each value with its own write(2) on one open file (cgroupfs takes one rule per write). */
export function writeEach(path: string, values: string[]): void {
  const enc = new TextEncoder();
  let f: Deno.FsFile | undefined;
  try {
    f = Deno.openSync(path, { write: true });
    for (const v of values) f.writeSync(enc.encode(v));
  } catch (err) {
    throw new BerthError(`cgroup: cannot write to ${path}: ${messageOf(err)}`);
  } finally {
    f?.close();
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
 * Removes the cgroup directory, killing what still runs in it first. rmdir fails with EBUSY while a
 * process is in it or still exiting, so it retries for a short while (usually the first try works).
 */
export async function killAndRemove(dir: string, procs = `${dir}/cgroup.procs`): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      Deno.removeSync(dir);
      removeIfEmpty(dir.slice(0, dir.lastIndexOf("/")));
      return;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      if (attempt === 199) throw new BerthError(`cgroup: cannot remove ${dir}: ${messageOf(err)}`);
    }
    for (const pid of readPids(procs)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** berth's parent cgroup goes with its last container (rmdir fails while others are in it: fine). */
function removeIfEmpty(parent: string): void {
  try {
    Deno.removeSync(parent);
  } catch { /* other containers, or already gone */ }
}
