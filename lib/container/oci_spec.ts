/**
 * The engine's side of "one runtime": a berth container (its record, once the image, volumes, network and
 * terminal are ready) as the OCI runtime spec's config, which the runtime layer (runtime/oci_setup.ts) turns
 * into the container's process — the same code `berth-runc` runs for containerd, Podman and dockerd.
 *
 * The config is Docker's: proc, a tmpfs /dev with devpts, shm and mqueue, sysfs and the cgroup tree read-only
 * (unless privileged), /etc/hostname, /etc/hosts and /etc/resolv.conf, then the volumes parents first; Docker's
 * masked and read-only paths; namespaces new except what the spec shares with the host (or joins by path).
 *
 * @example
 * ```ts
 * const config = engineOciConfig(spec, { rootfs, user, env, mounts, netns: "/proc/123/ns/net" });
 * console.log(config.mounts?.map((m) => m.destination));
 * ```
 */
import { CAP_NAMES } from "./capabilities.ts";
import { ociRlimits } from "./process_tuning.ts";
import type { MountPlan } from "./prepare_mounts.ts";
import type { ContainerSpec } from "./spec.ts";
import type { ProcessUser } from "./user.ts";
import type { OciConfig, OciMount, OciNamespace } from "../runtime/oci_config.ts";
import { underInit } from "./docker_init.ts";

/** Paths Docker hides from containers (unless --privileged). */
export const MASKED_PATHS = [
  "/proc/asound",
  "/proc/acpi",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];
/** Paths Docker makes read-only in containers (unless --privileged). */
export const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

export interface EngineParts {
  /** the rootfs mount point on the host */
  rootfs: string;
  user: ProcessUser;
  env: string[];
  /** /etc files and volumes, prepared (sources exist, volumes seeded) */
  mounts: MountPlan[];
  /** a network namespace to join (a bridge network's, another container's); else new, or the host's */
  netns?: string;
  /** -t: the devpts instance holding the container's terminal, on the host */
  devpts?: string;
}

export function engineOciConfig(spec: ContainerSpec, parts: EngineParts): OciConfig {
  const ro = spec.privileged ? [] : ["ro"];
  const mounts: OciMount[] = [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", ...ro] },
    {
      destination: "/sys/fs/cgroup",
      type: "cgroup",
      source: "cgroup",
      options: ["nosuid", "noexec", "nodev", ...ro],
    },
    {
      destination: "/dev",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
    parts.devpts ? { destination: "/dev/pts", type: "bind", source: parts.devpts, options: ["bind"] } : {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    {
      destination: "/dev/shm",
      type: "tmpfs",
      source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", `size=${spec.shmSize ?? 65536 * 1024}`],
    },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
  ];
  for (const m of parts.mounts) {
    if (m.type === "tmpfs") {
      mounts.push({
        destination: m.destination,
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "nodev", ...(m.readOnly ? ["ro"] : []), ...(m.data ? [m.data] : [])],
      });
    } else {
      mounts.push({
        destination: m.destination,
        type: "bind",
        source: m.source,
        options: ["rbind", ...(m.readOnly ? ["ro"] : [])],
      });
    }
  }

  const namespaces: OciNamespace[] = [{ type: "mount" }, { type: "cgroup" }];
  if (spec.namespaces.pid === "private") namespaces.push({ type: "pid" });
  if (spec.namespaces.uts === "private") namespaces.push({ type: "uts" });
  if (spec.namespaces.ipc === "private") namespaces.push({ type: "ipc" });
  if (parts.netns) namespaces.push({ type: "network", path: parts.netns });
  else if (spec.network !== "host") namespaces.push({ type: "network" });

  return {
    ociVersion: "1.0.2",
    root: { path: parts.rootfs, readonly: spec.readOnlyRootfs },
    process: {
      terminal: spec.tty,
      user: { uid: parts.user.uid, gid: parts.user.gid, additionalGids: parts.user.additionalGids },
      args: spec.init ? underInit(spec.process.args) : spec.process.args,
      env: parts.env,
      cwd: spec.process.cwd,
      capabilities: { bounding: spec.capabilities.map((c) => `CAP_${CAP_NAMES[c]}`) },
      noNewPrivileges: spec.noNewPrivileges,
      rlimits: spec.ulimits?.length ? ociRlimits(spec.ulimits) : undefined,
      oomScoreAdj: spec.oomScoreAdj,
    },
    hostname: spec.hostname,
    mounts,
    linux: {
      namespaces,
      devices: (spec.devices ?? []).map((d) => ({
        path: d.path,
        type: d.type,
        major: d.major,
        minor: d.minor,
        fileMode: d.mode,
      })),
      maskedPaths: spec.privileged ? [] : MASKED_PATHS,
      readonlyPaths: spec.privileged ? [] : READONLY_PATHS,
      rootfsPropagation: "rslave",
      sysctl: spec.sysctls,
    },
  };
}
