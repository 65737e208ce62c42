/**
 * No cgroup: an ordinary user's containers where no cgroup subtree is delegated to them (always on cgroup v1).
 * The containers run without limits, as Podman's do there; asking for one says so once (a warning, not an
 * error: the container still runs). What needs a cgroup (pause, update, stats) says why it cannot.
 */
import { BerthError } from "../../util/errors.ts";
import type { Cgroup, CgroupStats } from "./cgroup.ts";
import type { ResourceLimits } from "./limits.ts";

const WHY = "rootless: no cgroup is delegated to this user (cgroup v2 with systemd's Delegate=yes is needed)";
let warned = false;
const QUIET = ["pidsLimit", "devices", "allDevices", "deviceRules"];

export class NoCgroup implements Cgroup {
  constructor(readonly version: 1 | 2) {}
  readonly procsFiles: string[] = [];

  create(limits: ResourceLimits): void {
    // the pids limit is set by default (berth's own), the device rules are the container's /dev: no warning for them
    const asked = Object.entries(limits).filter(([k, v]) => v !== undefined && !(Array.isArray(v) && !v.length) && !QUIET.includes(k));
    if (asked.length && !warned) {
      warned = true;
      console.error(`berth: warning: ${WHY}: ${asked.map(([k]) => k).join(", ")} not applied`);
    }
  }

  update(): void {
    throw new BerthError(`update: ${WHY}`);
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
    throw new BerthError(`pause: ${WHY}`);
  }

  isFrozen(): boolean {
    return false;
  }

  destroy(): Promise<void> {
    return Promise.resolve();
  }
}
