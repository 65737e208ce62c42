/**
 * Files of a container from the host: `cp` both ways (plain paths or a tar on stdin/stdout),
 * `export` (its whole filesystem as a tar) and `diff` (what its writable layer changed).
 * A running container is reached through /proc/PID/root (its volumes included); a stopped one through
 * a temporary mount of its rootfs. Container paths are resolved inside its root, so a symlink in the
 * container never leads berth to a host file.
 */
import { isWhiteoutAt, openSubdir, writeFlattened, writeTreeAt } from "../image/flatten.ts";
import { LayerApplier } from "../image/layer_apply.ts";
import { writeTarArchive } from "../image/output_file.ts";
import { TarParser } from "../image/tar_reader.ts";
import { BerthError, NotFoundError } from "../util/errors.ts";
import { ErrnoError, isDir, statLite } from "../ffi/sys.ts";
import {
  closeQuietly,
  isDirMode,
  isLinkMode,
  listDir,
  O_DIRECTORY,
  O_PATH,
  O_RDONLY,
  openDir,
  RESOLVE_BENEATH,
  RESOLVE_NO_MAGICLINKS,
  RESOLVE_NO_SYMLINKS,
  readlinkAt,
  statAt,
  tryOpenAt,
  tryOpenInRoot,
} from "../ffi/dir_fd.ts";
import { Store } from "../image/store.ts";
import { dirname } from "../util/path.ts";
import { copyAt, type CopyAtOptions } from "./copy_at.ts";
import { getContainer } from "./lifecycle.ts";
import { openParentInRoot, openPathInRoot, splitLast } from "./path_in_root.ts";
import { mountRootfs, unmountRootfs } from "./rootfs.ts";
import type { ContainerRecord } from "./state.ts";
import { containerDir } from "./state.ts";

/** Runs `fn` with a host path of the container's root filesystem. */
async function withRootfs<T>(root: string, rec: ContainerRecord, fn: (rootfs: string) => Promise<T>): Promise<T> {
  if (rec.state.status === "running" && rec.state.pid) return await fn(`/proc/${rec.state.pid}/root`);
  const dir = containerDir(root, rec.spec.id);
  const rootfs = mountRootfs(dir, rec.spec.layers);
  try {
    return await fn(rootfs);
  } finally {
    unmountRootfs(dir);
  }
}

const basename = (p: string) => p.replace(/\/+$/, "").split("/").pop() || "/";

/** `PATH/.` (or `PATH/./`): the directory's contents rather than the directory, as in Docker. */
const contentsOnly = (p: string) => /(^|\/)\.\/?$/.test(p);

/** The host directory `path` names, opened (the host side is the user's own: plain resolution). */
function openHostDir(path: string): number {
  try {
    return openDir(path);
  } catch (err) {
    if (err instanceof ErrnoError) throw new BerthError(`${path}: ${err.message.replace(/^open [^:]*: /, "")}`);
    throw err;
  }
}

export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtimeMs: number;
  linkTarget: string;
}

/** `path` in the container as it is (not followed if it is a symlink): what the Engine API's archive HEAD reports. */
export async function statInContainer(root: string, ref: string, path: string): Promise<PathStat | null> {
  const rec = await getContainer(root, ref);
  return await withRootfs(root, rec, (rootfs) => {
    const rootFd = openDir(rootfs);
    let parent: { dirFd: number; last: string } | null = null;
    try {
      parent = openParentInRoot(rootFd, path);
      const name = parent?.last || ".";
      const st = parent ? statAt(parent.dirFd, name) : null;
      if (!parent || !st) return Promise.resolve(null);
      const linkTarget = (st.mode & 0o170000) === 0o120000 ? readlinkAt(parent.dirFd, name) : "";
      return Promise.resolve({ name: basename(path), size: st.size, mode: st.mode, mtimeMs: st.mtimeMs, linkTarget });
    } finally {
      if (parent) closeQuietly(parent.dirFd);
      closeQuietly(rootFd);
    }
  });
}

/** `cp -a` (owners kept), `cp -L` (a symlink SRC is followed: its target is copied under the link's name). */
export interface CopyOptions {
  archive?: boolean;
  followLink?: boolean;
}

/** `cp CONTAINER:SRC DEST` (DEST "-": a tar on stdout). */
export async function copyFromContainer(root: string, ref: string, src: string, dest: string, copy: CopyOptions = {}): Promise<void> {
  const rec = await getContainer(root, ref);
  await withRootfs(root, rec, async (rootfs) => {
    const rootFd = openDir(rootfs);
    let parent: { dirFd: number; last: string } | null = null;
    try {
      parent = openParentInRoot(rootFd, src);
      // the last component is not followed: a symlink comes out as a symlink (Docker's cp without -L)
      let srcName = parent?.last || ".";
      let st = parent ? statAt(parent.dirFd, srcName) : null;
      // -L: the link is read and resolved again in the container's root, as often as it takes (at most 40)
      for (let cur = src, hops = 0; copy.followLink && parent && st && isLinkMode(st.mode); hops++) {
        if (hops === 40) throw new BerthError(`${src}: too many levels of symbolic links`);
        const target = readlinkAt(parent.dirFd, srcName);
        cur = target.startsWith("/") ? target : `${cur.replace(/\/+$/, "").replace(/[^/]*$/, "")}${target}`;
        closeQuietly(parent.dirFd);
        parent = openParentInRoot(rootFd, cur);
        srcName = parent?.last || ".";
        st = parent ? statAt(parent.dirFd, srcName) : null;
      }
      if (!parent || !st) throw new NotFoundError(`Could not find the file ${src} in container ${ref}`);
      if (dest === "-") {
        const name = contentsOnly(src) ? "." : basename(src);
        await writeTarArchive(undefined, `cp ${ref}:${src}`, (w) => writeTreeAt(w, parent!.dirFd, srcName, name === "/" ? "." : name));
        return;
      }
      const opts = { keepOwner: !!copy.archive, label: src };
      const dst = statLite(dest);
      if (isDirMode(st.mode) && contentsOnly(src)) {
        if (!dst) Deno.mkdirSync(dest);
        else if (!isDir(dst)) throw new BerthError(`cannot copy a directory to a file: ${dest}`);
        copyContents(parent.dirFd, srcName, dest, opts);
      } else if (dst && isDir(dst)) {
        const out = openHostDir(dest);
        try {
          copyAt(parent.dirFd, srcName, out, basename(src) === "/" ? "rootfs" : basename(src), opts);
        } finally {
          closeQuietly(out);
        }
      } else {
        if (dest.endsWith("/")) throw new NotFoundError(`no such directory: ${dest}`);
        const out = openHostDir(dirname(dest));
        try {
          copyAt(parent.dirFd, srcName, out, basename(dest), opts);
        } finally {
          closeQuietly(out);
        }
      }
    } finally {
      if (parent) closeQuietly(parent.dirFd);
      closeQuietly(rootFd);
    }
  });
}

/** Copies what the directory `name` of `dirFd` holds into the host directory `dest`. */
function copyContents(dirFd: number, name: string, dest: string, opts: CopyAtOptions): void {
  const src = openSubdir(dirFd, name);
  if (src === null) throw new BerthError(`${opts.label} changed while it was being copied`);
  const out = openHostDir(dest);
  try {
    for (const child of listDir(src)) copyAt(src, child, out, child, { ...opts, label: `${opts.label}/${child}` });
  } finally {
    closeQuietly(out);
    closeQuietly(src);
  }
}

/**
 * Where a copy into the container goes: the directory DEST names (the source keeps its name there) or,
 * when DEST does not exist, DEST's parent and DEST's last name. Resolved in the container's root.
 */
function containerTarget(rootFd: number, dest: string, srcName: string, ref: string): { dirFd: number; name: string | null } {
  const dir = openPathInRoot(rootFd, dest, true);
  if (dir !== null) return { dirFd: dir, name: srcName };
  const p = openParentInRoot(rootFd, dest);
  const parentPath = dest.replace(/\/+$/, "").replace(/\/[^/]*$/, "") || "/";
  if (!p) throw new NotFoundError(`no such directory: ${parentPath} in container ${ref}`);
  if (!p.last || dest.endsWith("/")) {
    closeQuietly(p.dirFd);
    throw new NotFoundError(`no such directory: ${dest} in container ${ref}`);
  }
  return { dirFd: p.dirFd, name: p.last };
}

/** `cp SRC CONTAINER:DEST` (SRC "-": a tar on stdin, extracted into DEST, which must be a directory). */
export async function copyToContainer(root: string, ref: string, src: string, dest: string, copy: CopyOptions = {}): Promise<void> {
  const rec = await getContainer(root, ref);
  if (src === "-") {
    await withRootfs(root, rec, async (rootfs) => {
      const rootFd = openDir(rootfs);
      const dir = openPathInRoot(rootFd, dest, true);
      closeQuietly(rootFd);
      if (dir === null) throw new BerthError(`extraction point is not a directory: ${dest}`);
      // the tar is unpacked where nobody else writes (checked like a layer), then copied in through fds
      const store = new Store(root);
      store.init();
      const tmp = store.makeTempDir();
      try {
        const applier = new LayerApplier(tmp);
        const parser = new TarParser(applier);
        for await (const chunk of Deno.stdin.readable) parser.push(chunk);
        parser.end();
        applier.finish();
        const from = openDir(tmp);
        try {
          for (const child of listDir(from)) copyAt(from, child, dir, child, { keepOwner: true, label: child });
        } finally {
          closeQuietly(from);
        }
      } finally {
        closeQuietly(dir);
        Deno.removeSync(tmp, { recursive: true });
      }
    });
    return;
  }
  // the host's side is the user's own: -L simply takes the link's target (its name stays the link's)
  const real = copy.followLink ? realPathOrSelf(src) : src;
  const sst = statLite(real, false);
  if (!sst) throw new BerthError(`stat ${src}: no such file or directory`);
  await withRootfs(root, rec, (rootfs) => {
    const rootFd = openDir(rootfs);
    try {
      const from = openHostDir(isDir(sst) && contentsOnly(src) ? real : dirname(real));
      try {
        if (isDir(sst) && contentsOnly(src)) {
          const dir = openPathInRoot(rootFd, dest, true);
          if (dir === null) throw new NotFoundError(`no such directory: ${dest} in container ${ref}`);
          try {
            for (const child of listDir(from)) copyAt(from, child, dir, child, { keepOwner: !!copy.archive, label: `${src}/${child}` });
          } finally {
            closeQuietly(dir);
          }
        } else {
          const t = containerTarget(rootFd, dest, basename(src), ref);
          try {
            copyAt(from, basename(real), t.dirFd, t.name!, { keepOwner: !!copy.archive, label: src });
          } finally {
            closeQuietly(t.dirFd);
          }
        }
      } finally {
        closeQuietly(from);
      }
    } finally {
      closeQuietly(rootFd);
    }
    return Promise.resolve();
  });
}

function realPathOrSelf(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

/** `export CONTAINER`: the container's filesystem (its image plus its changes) as one tar. */
export async function exportContainer(root: string, ref: string, output?: string): Promise<void> {
  const rec = await getContainer(root, ref);
  const upper = `${containerDir(root, rec.spec.id)}/upper`;
  const layers = statLite(upper) ? [...rec.spec.layers, upper] : rec.spec.layers;
  await writeTarArchive(output, `export ${ref}`, (w) => writeFlattened(layers, w));
}

/** Mount points berth makes in every container; not changes of the container's own. */
const MOUNT_POINTS = new Set(["/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/proc", "/sys", "/dev"]);

/**
 * `diff CONTAINER`: `A` added, `C` changed, `D` deleted paths of its writable layer, sorted. The upper
 * dir (which a running container changes) is walked from directory fds without following symlinks, and a
 * path is looked up in the image's layers without following any symlink either.
 */
export async function diffContainer(root: string, ref: string): Promise<string[]> {
  const rec = await getContainer(root, ref);
  const lowerFds = [...rec.spec.layers].reverse().map((l) => openDir(l));
  const inLower = (rel: string) =>
    lowerFds.some((fd) => {
      const { parent, last } = splitLast(rel);
      const dir = tryOpenInRoot(fd, parent, O_PATH | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
      if (dir < 0) return false;
      try {
        return statAt(dir, last) !== null;
      } finally {
        closeQuietly(dir);
      }
    });
  const out: string[] = [];
  const walk = (dirFd: number, rel: string): boolean => {
    let changed = false;
    for (const name of listDir(dirFd)) {
      const path = `${rel}/${name}`;
      if (MOUNT_POINTS.has(path)) continue;
      const st = statAt(dirFd, name);
      if (!st) continue;
      const sub = () => {
        const fd = openSubdir(dirFd, name);
        if (fd === null) return false;
        try {
          return walk(fd, path);
        } finally {
          closeQuietly(fd);
        }
      };
      if (isWhiteoutAt(dirFd, name, st)) {
        out.push(`D ${path}`);
        changed = true;
      } else if (isDirMode(st.mode) && inLower(path)) {
        if (sub()) {
          out.push(`C ${path}`);
          changed = true;
        }
      } else {
        out.push(`${inLower(path) ? "C" : "A"} ${path}`);
        if (isDirMode(st.mode)) sub();
        changed = true;
      }
    }
    return changed;
  };
  try {
    const upper = tryOpenAt(-100, `${containerDir(root, rec.spec.id)}/upper`, O_RDONLY | O_DIRECTORY);
    if (upper >= 0) {
      try {
        walk(upper, "");
      } finally {
        closeQuietly(upper);
      }
    }
  } finally {
    lowerFds.forEach(closeQuietly);
  }
  return out.sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
}
