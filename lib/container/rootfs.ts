/**
 * The container's root filesystem: the image's unpacked layers as overlayfs lower dirs (read-only,
 * shared by every container of the image) and a per-container upper dir that takes its changes.
 * Where overlayfs is unavailable (or BERTH_STORAGE=copy) — also an ordinary user's on a kernel before 5.11,
 * which has no overlayfs in user namespaces — the layers are copied into a private directory instead:
 * slower, same result.
 *
 * ```
 * ROOT/containers/ID/upper   the container's changes        ROOT/containers/ID/merged  the mount point
 * ROOT/containers/ID/work    overlayfs' scratch dir         ROOT/containers/ID/rootfs  copy mode only
 * ```
 */
import { join } from "../util/path.ts";
import * as libc from "../ffi/libc.ts";
import { ErrnoError } from "../ffi/sys.ts";
import { copyEntry } from "./copy_tree.ts";
import { inUserNamespace, MNT_DETACH, mount, MS_BIND, umount2 } from "../ffi/namespaces.ts";
import { BerthError, messageOf } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { hasOpaqueMark, isWhiteout } from "../image/overlay_xattr.ts";

// mount(2) passes options in one page; leave room for upperdir and workdir
const MAX_OPTIONS = 3800;

export function rootfsPath(dir: string): string {
  return join(dir, "merged");
}

/** Mounts the rootfs for the container whose directory is `dir`; returns the mount point. */
export function mountRootfs(dir: string, layers: string[], disposable = false): string {
  const merged = rootfsPath(dir);
  Deno.mkdirSync(merged, { recursive: true });
  if (Deno.env.get("BERTH_STORAGE") === "copy") return copyRootfs(layers, merged);
  const upper = join(dir, "upper");
  const work = join(dir, "work");
  Deno.mkdirSync(upper, { recursive: true });
  Deno.mkdirSync(work, { recursive: true });
  // overlayfs refuses a lower dir given twice (ELOOP). An image may repeat a layer (a RUN that wrote
  // the same thing twice); only the topmost copy counts — it hides everything the lower copy could show
  let lower = [...new Set([...layers].reverse())];
  if (lower.length === 0) {
    const empty = join(dir, "empty");
    Deno.mkdirSync(empty, { recursive: true });
    lower = [empty];
  }
  // volatile: no syncs of the upper dir, for containers that are deleted when they exit (--rm): an
  // unmount then costs nothing instead of a flush of the whole filesystem
  // in a user namespace overlayfs keeps its marks in user.* xattrs (userxattr, kernel ≥ 5.11): see overlay_xattr.ts
  const userns = inUserNamespace();
  const options = `lowerdir=${lower.join(":")},upperdir=${upper},workdir=${work}${disposable ? ",volatile" : ""}${userns ? ",userxattr" : ""}`;
  if (options.length > MAX_OPTIONS) {
    throw new BerthError(`the image has too many layers (${layers.length}) for one overlay mount`);
  }
  try {
    mount("overlay", merged, "overlay", 0, options);
  } catch (err) {
    // ENODEV: no overlayfs; in a user namespace, EPERM or EINVAL: a kernel before 5.11 (no overlay there, or
    // no userxattr): the copy, as rootless Podman's vfs driver
    if (err instanceof ErrnoError && (err.code === 19 || (userns && (err.code === 1 || err.code === 22)))) {
      debug(`rootfs: overlay refused (${messageOf(err)}): copying the layers`);
      return copyRootfs(layers, merged);
    }
    throw new BerthError(`cannot mount the container's root filesystem: ${messageOf(err)}`);
  }
  return merged;
}

/** Layers applied one after another into a private dir, bind-mounted (pivot_root needs a mount point). */
function copyRootfs(layers: string[], merged: string): string {
  for (const layer of layers) applyLayerCopy(layer, merged);
  mount(merged, merged, null, MS_BIND);
  return merged;
}

/** Copies an overlay-form layer over `dst`: whiteouts delete, opaque dirs replace. */
function applyLayerCopy(src: string, dst: string): void {
  for (const e of Deno.readDirSync(src)) {
    const s = `${src}/${e.name}`;
    const d = `${dst}/${e.name}`;
    const st = Deno.lstatSync(s);
    const existing = (() => {
      try {
        return Deno.lstatSync(d);
      } catch {
        return null;
      }
    })();
    if (isWhiteout(s, { mode: st.mode!, rdev: st.rdev!, size: st.size })) {
      if (existing) Deno.removeSync(d, { recursive: true });
      continue;
    }
    if (st.isDirectory) {
      const opaque = hasOpaqueMark(s);
      if (existing && (!existing.isDirectory || opaque)) Deno.removeSync(d, { recursive: true });
      if (!existing || !existing.isDirectory || opaque) Deno.mkdirSync(d);
      applyLayerCopy(s, d);
      libc.lchown(d, st.uid!, st.gid!);
      libc.chmod(d, st.mode! & 0o7777);
      continue;
    }
    if (existing) Deno.removeSync(d, { recursive: true });
    copyEntry(s, d, st);
  }
}

/** Unmounts the rootfs (lazily: a process that still holds it does not block cleanup). */
export function unmountRootfs(dir: string): void {
  try {
    umount2(rootfsPath(dir), MNT_DETACH);
  } catch (err) {
    // EINVAL: not mounted; ENOENT: never made
    if (!(err instanceof ErrnoError) || (err.code !== 22 && err.code !== 2)) throw err;
  }
}
