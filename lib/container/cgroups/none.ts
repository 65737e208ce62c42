/**
 * No cgroup: an ordinary user's containers where no cgroup subtree is delegated to them (always on cgroup v1).
 * The containers run without limits, as Podman's do there; asking for one says so once (a warning, not an
 * error: the container still runs). What needs a cgroup (pause, update, stats) says why it cannot.
 */
import { BerthError } from "../../util/errors.ts";
import type { Cgroup, CgroupStats } from "./cgroup.ts";
import type { ResourceLimits } from "./limits.ts";

let warned = false;
// the pids limit is set by default (berth's own), the device rules are the container's /dev: no warning for them
const QUIET = ["pidsLimit", "devices", "allDevices", "deviceRules"];

/** Says once, on standard error, that these limits were asked for but are not applied, and why. */
export function warnUnapplied(limits: Partial<ResourceLimits>, why: string): void {
  const asked = Object.entries(limits).filter(([k, v]) => v !== undefined && !(Array.isArray(v) && !v.length) && !QUIET.includes(k));
  if (asked.length && !warned) {
    warned = true;
    console.error(`berth: warning: ${why}: ${asked.map(([k]) => k).join(", ")} not applied`);
  }
}

export class NoCgroup implements Cgroup {
  constructor(readonly version: 1 | 2, readonly why: string) {}
  readonly procsFiles: string[] = [];

  create(limits: ResourceLimits): void {
    warnUnapplied(limits, this.why);
  }

  update(): void {
    throw new BerthError(`update: ${this.why}`);
  }

  oomKilled(): boolean {
    return false;
  }

  stats(): CgroupStats {
    return {};
  }

  pids(): number[] {
    return [];
  }

  freeze(): void {
    throw new BerthError(`pause: ${this.why}`);
  }

  isFrozen(): boolean {
    return false;
  }

  destroy(): Promise<void> {
    return Promise.resolve();
  }
}
