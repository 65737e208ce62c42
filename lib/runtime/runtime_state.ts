/**
 * What the OCI runtime keeps of a container between its commands: `ROOT/ID/state.json` (written to a
 * temp name, synced, renamed), and the status derived from it and the kernel — with the process's start
 * time kept, so that a pid the kernel gave to another process since never passes for the container.
 */
import { isExited, procStat } from "../util/proc_stat.ts";
import type { JoinableNamespace } from "./process_calls.ts";
import { BerthError } from "../util/errors.ts";
import { join } from "../util/path.ts";
import { writeFileAtomicSync } from "../util/atomic_write.ts";
import type { OciConfig } from "./oci_config.ts";

export type OciStatus = "creating" | "created" | "running" | "paused" | "stopped";

export interface RuntimeState {
  id: string;
  /** host pid of the container's process */
  pid: number;
  /** its start time (clock ticks after boot, /proc/PID/stat field 22) */
  startTime: number;
  bundle: string;
  rootfs: string;
  /** RFC 3339 */
  created: string;
  /** `start` has let the process go on to its execve */
  started?: boolean;
  annotations: Record<string, string>;
  /** the cgroup, relative to each hierarchy's root */
  cgroupPath: string;
  /** the hooks to run at start and delete */
  hooks?: OciConfig["hooks"];
  /** the namespaces the config gave the container (startContainer hooks join them) */
  namespaces?: JoinableNamespace[];
  /** whether it has a PID namespace of its own */
  pidNamespace?: boolean;
  owner: string;
}

const ID = /^[\w+.-]+$/;

/** runc's rule for container IDs. */
export function checkId(id: string): void {
  if (!ID.test(id) || id === "." || id === "..") throw new BerthError(`invalid container id format: ${id}`, 1);
}

export const stateDir = (root: string, id: string) => join(root, id);

export function readState(root: string, id: string): RuntimeState | undefined {
  checkId(id);
  try {
    return JSON.parse(Deno.readTextFileSync(join(stateDir(root, id), "state.json"))) as RuntimeState;
  } catch {
    return undefined;
  }
}

/** The state of `id`, or runc's error for a missing container. */
export function mustReadState(root: string, id: string): RuntimeState {
  const s = readState(root, id);
  if (!s) throw new BerthError("container does not exist", 1);
  return s;
}

export function writeState(root: string, s: RuntimeState): void {
  writeFileAtomicSync(join(stateDir(root, s.id), "state.json"), JSON.stringify(s), 0o600);
}

/** Field 22 of /proc/PID/stat, or undefined when the process is gone. */
export function processStartTime(pid: number): number | undefined {
  const s = procStat(pid);
  return s && !isExited(s.state) ? s.startTime : undefined;
}

/** Whether the container's own process still runs (not a later process with the same pid). */
export function processAlive(s: RuntimeState): boolean {
  return s.pid > 0 && processStartTime(s.pid) === s.startTime;
}

/** The status as `state` reports it. */
export function statusOf(s: RuntimeState, frozen: () => boolean): OciStatus {
  if (!processAlive(s)) return "stopped";
  if (frozen()) return "paused";
  if (!s.started) {
    // still the stub, waiting for start (its executable is a sealed memfd)
    try {
      if (Deno.readLinkSync(`/proc/${s.pid}/exe`).startsWith("/memfd:berth-init")) return "created";
    } catch { /* gone meanwhile */ }
  }
  return "running";
}

/** IDs of the containers under `root`. */
export function listIds(root: string): string[] {
  try {
    return [...Deno.readDirSync(root)].filter((e) => e.isDirectory && ID.test(e.name)).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
