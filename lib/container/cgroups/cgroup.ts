/**
 * One interface over the two cgroup hierarchies: v1 (a directory per controller, as on this hybrid
 * host) and v2 (one unified tree, as on most hosts today). A container's cgroup is created before its
 * first process exists; that process joins it itself (writes "0" to each `cgroup.procs`), so nothing
 * it does runs outside its limits.
 */
import type { ResourceLimits } from "./limits.ts";
import { CgroupV1 } from "./v1.ts";
import { CgroupV2 } from "./v2.ts";
import { statLite } from "../../ffi/sys.ts";
import { NoCgroup } from "./none.ts";
import { rootlessUser } from "../../rootless/paths.ts";
import { delegatedCgroup } from "../../rootless/cgroup.ts";

export interface CgroupStats {
  memoryBytes?: number;
  memoryLimit?: number;
  cpuNanos?: number;
  pids?: number;
  oomKills?: number;
  /** bytes read from and written to block devices */
  blockRead?: number;
  blockWrite?: number;
}

export interface Cgroup {
  readonly version: 1 | 2;
  /** the `cgroup.procs` files the container's first process writes itself into */
  readonly procsFiles: string[];
  /** makes the directories and writes the limits; cleans up what it made if a write fails */
  create(limits: ResourceLimits): void;
  /** writes the limits given to the existing cgroup (`update` of a running container) */
  update(limits: ResourceLimits): void;
  /** whether the memory controller killed a process for the limit */
  oomKilled(): boolean;
  stats(): CgroupStats;
  /** pids of all processes in it */
  pids(): number[];
  /** freezes or thaws every process (pause/unpause) */
  freeze(frozen: boolean): void;
  /** whether it is frozen (paused) */
  isFrozen(): boolean;
  /** kills what is left and removes the directories; safe to call twice */
  destroy(): Promise<void>;
}

export type CgroupVersion = 1 | 2;

let detected: CgroupVersion | undefined;

/** v2 when /sys/fs/cgroup itself is cgroup2 (unified); v1 otherwise (legacy and hybrid). */
export function cgroupVersion(mountRoot = "/sys/fs/cgroup"): CgroupVersion {
  if (detected === undefined) {
    detected = statLite(`${mountRoot}/cgroup.controllers`) ? 2 : 1;
  }
  return detected;
}

/**
 * The cgroup of container `id` (not created yet). An ordinary user's is in the cgroup v2 subtree delegated to
 * them (../../rootless/cgroup.ts), or none where there is no such subtree (./none.ts).
 */
export function containerCgroup(id: string, mountRoot = "/sys/fs/cgroup", version = cgroupVersion(mountRoot)): Cgroup {
  if (rootlessUser()) {
    const d = delegatedCgroup(mountRoot);
    return "dir" in d ? new CgroupV2(d.dir, `berth/${id}`, true) : new NoCgroup(version, d.why);
  }
  return version === 2 ? new CgroupV2(mountRoot, `berth/${id}`) : new CgroupV1(mountRoot, `berth/${id}`);
}

