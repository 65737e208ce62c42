/**
 * The container's cgroup from the config: `linux.cgroupsPath` in cgroupfs form (`/a/b`, relative to each
 * hierarchy's root) or systemd's `slice:prefix:name` (made as the directories systemd would make:
 * `a.slice/a-b.slice/prefix-name.scope`; berth does not ask systemd for the unit), and the resources as
 * berth's limits.
 */
import { type Cgroup, cgroupVersion } from "../container/cgroups/cgroup.ts";
import type { ResourceLimits } from "../container/cgroups/limits.ts";
import { DEFAULT_DEVICE_RULES, type DeviceRule } from "../container/cgroups/device_rules.ts";
import { CgroupV1 } from "../container/cgroups/v1.ts";
import { CgroupV2 } from "../container/cgroups/v2.ts";
import { BerthError } from "../util/errors.ts";
import type { OciResources } from "./oci_config.ts";

/** `a-b.slice` → `a.slice/a-b.slice`. */
function expandSlice(slice: string): string {
  if (slice === "-.slice" || slice === "") return "";
  if (!slice.endsWith(".slice") || slice.includes("/")) throw new BerthError(`invalid slice name: ${slice}`, 1);
  const parts = slice.slice(0, -".slice".length).split("-");
  if (parts.some((p) => !p)) throw new BerthError(`invalid slice name: ${slice}`, 1);
  return parts.map((_, i) => `${parts.slice(0, i + 1).join("-")}.slice`).join("/");
}

/** The cgroup's path under each hierarchy's root, without a leading slash. */
export function cgroupPathOf(cgroupsPath: string | undefined, id: string, systemd: boolean): string {
  const systemdForm = /^[^/:]*:[^:/]*:[^:/]+$/.test(cgroupsPath ?? "");
  if (systemd || systemdForm) {
    const [slice, prefix, name] = (cgroupsPath ?? `system.slice:berth-runc:${id}`).split(":");
    if (name === undefined) throw new BerthError(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${cgroupsPath}"`, 1);
    const unit = name.endsWith(".slice") ? name : `${prefix ? `${prefix}-` : ""}${name}.scope`;
    return [expandSlice(slice || "system.slice"), unit].filter(Boolean).join("/");
  }
  const path = (cgroupsPath ?? `/berth-runc/${id}`).replace(/^\/+/, "").replace(/\/+$/, "");
  if (!path || path.split("/").some((p) => p === ".." || p === ".")) throw new BerthError(`invalid cgroupsPath: ${cgroupsPath}`, 1);
  return path;
}

export function ociCgroup(path: string, mountRoot = "/sys/fs/cgroup"): Cgroup {
  return cgroupVersion(mountRoot) === 2 ? new CgroupV2(mountRoot, path) : new CgroupV1(mountRoot, path);
}

/**
 * linux.resources as berth's limits. Device rules: the config's, in order, then runc's default set (null,
 * zero, full, random, urandom, tty, console, ptmx, pts, tun, mknod of any) — appended, as runc appends it.
 */
export function limitsOf(r: OciResources | undefined): ResourceLimits {
  const l: ResourceLimits = {};
  if (!r) return l;
  if (r.memory?.limit !== undefined && r.memory.limit > 0) l.memory = r.memory.limit;
  if (r.memory?.swap !== undefined && l.memory !== undefined) l.memorySwap = r.memory.swap;
  if (r.cpu?.quota !== undefined && r.cpu.quota > 0) l.cpus = r.cpu.quota / (r.cpu.period || 100000);
  if (r.cpu?.shares) l.cpuShares = r.cpu.shares;
  if (r.cpu?.cpus) l.cpusetCpus = r.cpu.cpus;
  if (r.cpu?.mems) l.cpusetMems = r.cpu.mems;
  if (r.pids?.limit !== undefined) l.pidsLimit = r.pids.limit > 0 ? r.pids.limit : -1;
  if (r.blockIO?.weight) l.blkioWeight = r.blockIO.weight;
  const access = (a: string | undefined) => (a ?? "rwm").split("").reduce((bits, c) => bits | (c === "m" ? 1 : c === "r" ? 2 : c === "w" ? 4 : 0), 0);
  l.deviceRules = [
    ...(r.devices ?? []).map((d): DeviceRule => ({
      type: d.type === "c" || d.type === "b" ? d.type : "a",
      major: d.major == null || d.major < 0 ? -1 : d.major,
      minor: d.minor == null || d.minor < 0 ? -1 : d.minor,
      access: access(d.access),
      allow: d.allow,
    })),
    ...DEFAULT_DEVICE_RULES,
  ];
  return l;
}
