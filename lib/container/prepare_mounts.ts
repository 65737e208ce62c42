/**
 * Before the container starts: mount points made inside its rootfs (symlinks resolved inside it, so
 * an image cannot aim a mount at a host path), bind sources checked, named volumes created and seeded
 * from the image. Returns the mounts in the order the init stub makes them (parents first).
 */
import { BerthError } from "../util/errors.ts";
import type { EtcFiles } from "./etc_files.ts";
import { mkdirInRoot, statInRoot, touchInRoot, withRootFd } from "./path_in_root.ts";
import type { ContainerSpec } from "./spec.ts";
import { createVolume, mountVolume, seedVolume } from "./volumes.ts";
import { DOCKER_INIT_PATH, writeDockerInit } from "./docker_init.ts";
import { containerDir } from "./state.ts";

/** A mount the container gets: its host source, where it goes in the container and how. */
export interface MountPlan {
  type: "bind" | "tmpfs";
  source: string;
  /** the path in the container */
  destination: string;
  readOnly: boolean;
  /** tmpfs mount data */
  data?: string;
}

export async function prepareMounts(root: string, rootfs: string, spec: ContainerSpec, etc: EtcFiles): Promise<MountPlan[]> {
  mkdirInRoot(rootfs, spec.process.cwd);
  for (const d of ["/proc", "/sys", "/dev"]) mkdirInRoot(rootfs, d);
  for (const f of ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]) touchInRoot(rootfs, f);
  const plans: MountPlan[] = [
    { type: "bind", source: etc.hostname, destination: "/etc/hostname", readOnly: false },
    { type: "bind", source: etc.hosts, destination: "/etc/hosts", readOnly: false },
    { type: "bind", source: etc.resolvConf, destination: "/etc/resolv.conf", readOnly: false },
  ];
  if (spec.init) {
    touchInRoot(rootfs, DOCKER_INIT_PATH);
    plans.push({ type: "bind", source: writeDockerInit(containerDir(root, spec.id)), destination: DOCKER_INIT_PATH, readOnly: true });
  }
  const byDepth = [...spec.mounts].sort((a, b) => a.destination.split("/").length - b.destination.split("/").length);
  for (const m of byDepth) {
    if (m.type === "tmpfs") {
      mkdirInRoot(rootfs, m.destination);
      plans.push({ type: "tmpfs", source: "tmpfs", readOnly: m.readOnly, data: m.data, destination: m.destination });
      continue;
    }
    if (m.type === "bind") {
      let st: Deno.FileInfo;
      try {
        st = Deno.statSync(m.source);
      } catch {
        throw new BerthError(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
      }
      if (st.isDirectory) mkdirInRoot(rootfs, m.destination);
      else touchInRoot(rootfs, m.destination);
      plans.push({ type: "bind", source: m.source, readOnly: m.readOnly, destination: m.destination });
      continue;
    }
    const { volume } = await createVolume(root, m.source);
    mountVolume(volume);
    // copy-up only of what the image has there: a directory berth makes as the mount point has nothing to give
    // (and its owner and mode would replace the volume's own, a tmpfs's uid= for one)
    const inImage = withRootFd(rootfs, (fd) => statInRoot(fd, m.destination)) !== null;
    const target = mkdirInRoot(rootfs, m.destination);
    if (inImage) seedVolume(volume, target);
    plans.push({ type: "bind", source: volume.Mountpoint, readOnly: m.readOnly, destination: m.destination });
  }
  return plans;
}
