/**
 * Named volumes: `ROOT/volumes/NAME/_data` plus `volume.json`. A volume is seeded from the image's
 * content at its mount point the first time a container mounts it while it is empty (Docker's rule).
 */
import { join } from "../util/path.ts";
import { readJsonSync, writeFileAtomicSync } from "../util/atomic_write.ts";
import { MAX_NAME, shortened } from "./state.ts";
import { BerthError, ConflictError, NotFoundError } from "../util/errors.ts";
import { withLock } from "../util/lock.ts";
import { copyTree } from "./copy_tree.ts";
import { mount, umount2 } from "../ffi/namespaces.ts";
import { parseMountOptions } from "../runtime/mount_options.ts";

export interface VolumeInfo {
  Name: string;
  Driver: "local";
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: "local";
  Options: Record<string, string>;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function volumesDir(root: string): string {
  return join(root, "volumes");
}

function metaPath(root: string, name: string): string {
  return join(volumesDir(root), name, "volume.json");
}

export function volumeExists(root: string, name: string): boolean {
  try {
    Deno.statSync(metaPath(root, name));
    return true;
  } catch {
    return false;
  }
}

/**
 * `volume create -o`: the local driver's options, as Docker's — `type` and `device` to mount (a tmpfs,
 * an NFS export, a block device, a bind with `o=bind`), `o` the mount options.
 */
function checkVolumeOptions(options: Record<string, string>): void {
  for (const k of Object.keys(options)) {
    if (!["type", "device", "o"].includes(k)) throw new BerthError(`invalid option key: "${k}" (the local driver takes type, device and o)`);
  }
  if (Object.keys(options).length && !options.device) throw new BerthError("missing required option: \"device\"");
  if (options.device && !options.type && !/(^|,)r?bind(,|$)/.test(options.o ?? "")) throw new BerthError("missing required option: \"type\"");
}

/** Creates the volume unless it exists; returns it and whether it was new. */
export async function createVolume(
  root: string,
  name = crypto.randomUUID().replaceAll("-", "") + crypto.randomUUID().replaceAll("-", ""),
  labels: Record<string, string> = {},
  options: Record<string, string> = {},
): Promise<{ volume: VolumeInfo; created: boolean }> {
  checkVolumeOptions(options);
  if (!NAME.test(name)) {
    throw new BerthError(`"${shortened(name)}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
  }
  if (name.length > MAX_NAME) throw new BerthError(`volume name "${shortened(name)}" is too long: at most ${MAX_NAME} characters`);
  Deno.mkdirSync(volumesDir(root), { recursive: true, mode: 0o700 });
  return await withLock(join(volumesDir(root), ".lock"), () => {
    if (volumeExists(root, name)) return { volume: inspectVolume(root, name), created: false };
    const dir = join(volumesDir(root), name);
    Deno.mkdirSync(join(dir, "_data"), { recursive: true, mode: 0o755 });
    const volume: VolumeInfo = {
      Name: name,
      Driver: "local",
      Mountpoint: join(dir, "_data"),
      CreatedAt: new Date().toISOString(),
      Labels: labels,
      Scope: "local",
      Options: options,
    };
    writeFileAtomicSync(metaPath(root, name), JSON.stringify(volume, null, 1) + "\n", 0o600);
    return { volume, created: true };
  });
}

export function inspectVolume(root: string, name: string): VolumeInfo {
  const v = readJsonSync<VolumeInfo | undefined>(metaPath(root, name), undefined);
  if (v === undefined) throw new NotFoundError(`get ${name}: no such volume`);
  if (!v || typeof v !== "object" || typeof v.Name !== "string") {
    throw new BerthError(`${metaPath(root, name)} is corrupt (not a volume record); move it away or restore it`);
  }
  return v;
}

export function listVolumes(root: string): VolumeInfo[] {
  const out: VolumeInfo[] = [];
  try {
    for (const e of Deno.readDirSync(volumesDir(root))) {
      if (e.isDirectory && volumeExists(root, e.name)) out.push(inspectVolume(root, e.name));
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => a.Name.localeCompare(b.Name));
}

/** Removes a volume; `inUseBy` names the containers using it (refused unless empty). */
export async function removeVolume(root: string, name: string, inUseBy: string[] = []): Promise<void> {
  inspectVolume(root, name);
  if (inUseBy.length) {
    throw new ConflictError(`remove ${name}: volume is in use - [${inUseBy.join(", ")}]`);
  }
  await withLock(join(volumesDir(root), ".lock"), () => {
    // a mounted device's files are not the volume's to delete: unmounted first (and refused if that fails)
    const data = join(volumesDir(root), name, "_data");
    if (isMountPoint(data)) {
      try {
        umount2(data, 0);
      } catch (err) {
        throw new BerthError(`remove ${name}: cannot unmount ${data}: ${(err as Error).message}`);
      }
    }
    // the metadata goes first: a crash halfway leaves a directory `ls` no longer lists, not a broken volume
    Deno.removeSync(metaPath(root, name));
    Deno.removeSync(join(volumesDir(root), name), { recursive: true });
  });
}

/** Whether `path` is a mount point (its own line in /proc/self/mountinfo; the path has no spaces). */
function isMountPoint(path: string): boolean {
  let info: string;
  try {
    info = Deno.readTextFileSync("/proc/self/mountinfo");
  } catch {
    return false;
  }
  return info.split("\n").some((l) => l.split(" ")[4] === path);
}

/**
 * A volume with `-o type=… device=…` is mounted on its `_data` the first time a container uses it (and again
 * after a reboot), and stays mounted until `volume rm`.
 */
export function mountVolume(volume: VolumeInfo): void {
  const o = volume.Options ?? {};
  if (!o.device || isMountPoint(volume.Mountpoint)) return;
  const { flags, data } = parseMountOptions((o.o ?? "").split(",").filter(Boolean));
  try {
    mount(o.device, volume.Mountpoint, o.type ?? null, flags, data || null);
  } catch (err) {
    throw new BerthError(`error while mounting volume '${volume.Name}': ${o.type ?? "bind"} ${o.device}: ${(err as Error).message}`);
  }
}

/** Seeds an empty volume with what the image has at the mount point (Docker's copy-up). */
export function seedVolume(volume: VolumeInfo, imagePath: string): void {
  let st: Deno.FileInfo;
  try {
    st = Deno.statSync(imagePath);
  } catch {
    return;
  }
  if (!st.isDirectory) return;
  for (const _ of Deno.readDirSync(volume.Mountpoint)) return; // not empty: never overwrite data
  copyTree(imagePath, volume.Mountpoint);
}
