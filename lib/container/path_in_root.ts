/**
 * Paths inside a root that someone else controls (an image's rootfs, a running container's
 * `/proc/PID/root`): resolved by the kernel from an fd of the root with `openat2(RESOLVE_IN_ROOT)`, so
 * every symlink and `..` is taken the way the container would take it (`/` = the root) and nothing a
 * hostile image or container plants — `/etc -> /host/etc`, `../../..`, a swap of a directory and a symlink
 * while berth works — can lead berth to a host file. What is found is used through its fd.
 */
import { BerthError } from "../util/errors.ts";
import { ErrnoError } from "../ffi/sys.ts";
import {
  closeQuietly,
  EEXIST,
  ENOENT,
  fstat,
  isDirMode,
  isLinkMode,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_PATH,
  O_WRONLY,
  openDir,
  readAllFd,
  readlinkAt,
  reopenRegular,
  type Stat,
  statAt,
  tryMkdirAt,
  tryOpenAt,
  tryOpenInRoot,
} from "../ffi/dir_fd.ts";

/** Runs `fn` with an fd of the directory `rootfs` (a host path berth trusts), closed afterwards. */
export function withRootFd<T>(rootfs: string, fn: (rootFd: number) => T): T {
  const fd = openDir(rootfs);
  try {
    return fn(fd);
  } finally {
    closeQuietly(fd);
  }
}

/** Splits a container path into its parent and last component; last is "" for `/`, `.` and `..` ends. */
export function splitLast(path: string): { parent: string; last: string } {
  const trimmed = path.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  const last = trimmed.slice(i + 1);
  if (last === "" || last === "." || last === "..") return { parent: trimmed || "/", last: "" };
  return { parent: trimmed.slice(0, i + 1) || ".", last };
}

/** An O_PATH fd of `path` in the root (its last symlink followed), or null when it does not exist. */
export function openPathInRoot(rootFd: number, path: string, dirOnly = false): number | null {
  const fd = tryOpenInRoot(rootFd, path, O_PATH | (dirOnly ? O_DIRECTORY : 0));
  if (fd >= 0) return fd;
  if (fd === -ENOENT || fd === -20 /* ENOTDIR */) return null;
  throw new ErrnoError("open", -fd, path);
}

/**
 * The parent directory of `path` (as an O_PATH fd, close it) and the last component's name, which is
 * not followed; null when the parent is missing. `last` is "" when the path names a directory itself.
 */
export function openParentInRoot(rootFd: number, path: string): { dirFd: number; last: string } | null {
  const { parent, last } = splitLast(path);
  const dirFd = openPathInRoot(rootFd, last ? parent : path, true);
  return dirFd === null ? null : { dirFd, last };
}

/** lstat (`followLast` false) or stat of `path` in the root; null when missing. */
export function statInRoot(rootFd: number, path: string, followLast = true): Stat | null {
  if (followLast) {
    const fd = openPathInRoot(rootFd, path);
    if (fd === null) return null;
    try {
      return fstat(fd);
    } finally {
      closeQuietly(fd);
    }
  }
  const p = openParentInRoot(rootFd, path);
  if (!p) return null;
  try {
    return p.last ? statAt(p.dirFd, p.last) : fstat(p.dirFd);
  } finally {
    closeQuietly(p.dirFd);
  }
}

/** The content of the regular file `path` in the root; null when missing or not a regular file. */
export function readRegularInRoot(rootFd: number, path: string, max = 16 << 20): Uint8Array | null {
  const pfd = openPathInRoot(rootFd, path);
  if (pfd === null) return null;
  try {
    const fd = reopenRegular(pfd);
    if (fd === null) return null;
    try {
      return readAllFd(fd, max, path);
    } catch (err) {
      if (err instanceof ErrnoError && err.code === 27) throw new BerthError(`${path} in the container is larger than ${max >> 20} MiB`);
      throw err;
    } finally {
      closeQuietly(fd);
    }
  } finally {
    closeQuietly(pfd);
  }
}

/** `mkdir -p path` inside the root (symlinks on the way taken in the root); an O_PATH fd of the result. */
export function mkdirAllInRoot(rootFd: number, path: string, mode = 0o755, links = 0): number {
  if (links > 40) throw new BerthError(`too many levels of symbolic links in ${path}`);
  const parts = path.split("/").filter((c) => c && c !== ".");
  let fd = openPathInRoot(rootFd, "/", true)!;
  let cur = "";
  for (let i = 0; i < parts.length; i++) {
    const c = parts[i];
    const next = `${cur}/${c}`;
    let nfd = openPathInRoot(rootFd, next, true);
    if (nfd === null) {
      const st = c === ".." ? null : statAt(fd, c);
      if (st && isLinkMode(st.mode)) {
        // a symlink whose target is missing: Docker makes the target; so do we, inside the root
        closeQuietly(fd);
        return mkdirAllInRoot(rootFd, `${readTarget(rootFd, next)}/${parts.slice(i + 1).join("/")}`, mode, links + 1);
      }
      if (st && !isDirMode(st.mode)) {
        closeQuietly(fd);
        throw new BerthError(`${next} is not a directory in the container`);
      }
      const r = tryMkdirAt(fd, c, mode);
      if (r < 0 && r !== -EEXIST) {
        closeQuietly(fd);
        throw new ErrnoError("mkdir", -r, next);
      }
      nfd = openPathInRoot(rootFd, next, true);
      if (nfd === null) {
        closeQuietly(fd);
        throw new BerthError(`${next} is not a directory in the container`);
      }
    }
    closeQuietly(fd);
    fd = nfd;
    cur = next;
  }
  return fd;
}

/** Where the symlink `path` points, made absolute against its directory (for making a missing target). */
function readTarget(rootFd: number, path: string): string {
  const { parent, last } = splitLast(path);
  const dir = openPathInRoot(rootFd, parent, true);
  if (dir === null) throw new BerthError(`${parent} is not a directory in the container`);
  try {
    const t = readlinkAt(dir, last);
    return t.startsWith("/") ? t : `${parent}/${t}`;
  } finally {
    closeQuietly(dir);
  }
}

/** The host path an O_PATH fd names right now (for mount targets, made before the container runs). */
function hostPathOf(fd: number): string {
  return Deno.readLinkSync(`/proc/self/fd/${fd}`);
}

/** Creates `path` and its parents inside `root` (like `mkdir -p` in the container); returns the host path. */
export function mkdirInRoot(root: string, path: string, mode = 0o755): string {
  return withRootFd(root, (rootFd) => {
    const fd = mkdirAllInRoot(rootFd, path, mode);
    try {
      return hostPathOf(fd);
    } finally {
      closeQuietly(fd);
    }
  });
}

/** Makes sure a file exists at `path` inside `root` (a mount point for a file); returns the host path. */
export function touchInRoot(root: string, path: string): string {
  return withRootFd(root, (rootFd) => {
    const existing = openPathInRoot(rootFd, path);
    if (existing !== null) {
      try {
        return hostPathOf(existing);
      } finally {
        closeQuietly(existing);
      }
    }
    const { parent, last } = splitLast(path);
    if (!last) throw new BerthError(`${path} is not a file path`);
    const dir = mkdirAllInRoot(rootFd, parent);
    try {
      // a dangling symlink in the way is not followed: the mount point is made next to nothing outside
      const st = statAt(dir, last);
      if (st) throw new BerthError(`${path} is a dangling symbolic link in the container`);
      const fd = tryOpenAt(dir, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
      if (fd < 0) throw new ErrnoError("create", -fd, path);
      closeQuietly(fd);
      return `${hostPathOf(dir)}/${last}`;
    } finally {
      closeQuietly(dir);
    }
  });
}
