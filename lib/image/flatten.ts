/**
 * Reads a stack of unpacked layers (overlayfs form, lowest first) as the one filesystem a container
 * sees — without mounting anything — and writes it as a tar. Whiteouts (char 0:0) hide what lies
 * below, opaque directories (`trusted.overlay.opaque=y`) hide everything below them, and files that
 * share an inode are written once and then as hardlinks.
 *
 * The trees read here may belong to a running container (its upper dir, its `/proc/PID/root`), which can
 * change them while berth reads: every walk goes from directory fds with `O_NOFOLLOW`, a file's content is
 * read only after its fd is checked to be a regular file, and a symlink is archived as a symlink — so a
 * swap of a directory and a symlink can make berth archive the container's own files in another shape,
 * never a host file.
 */
import * as libc from "../ffi/libc.ts";
import {
  closeQuietly,
  fdPath,
  fstat,
  isDirMode,
  listDir,
  O_DIRECTORY,
  O_NOFOLLOW,
  O_PATH,
  O_RDONLY,
  openDir,
  readFd,
  readlinkAt,
  reopenRegular,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type Stat,
  statAt,
  tryOpenAt,
} from "../ffi/dir_fd.ts";
import { devNumbers } from "../ffi/sys.ts";
import type { TarEntryType } from "./tar_reader.ts";
import type { TarWriteEntry, TarWriter } from "./tar_writer.ts";
import { hasOpaqueMark, isWhiteout } from "./overlay_xattr.ts";

interface Found {
  dirFd: number;
  name: string;
  st: Stat;
  layer: number;
}

/** Whether `name` in `dirFd` (`st` its lstat) is a whiteout (either of overlay's forms: see overlay_xattr.ts). */
export const isWhiteoutAt = (dirFd: number, name: string, st: Stat) => isWhiteout(fdPath(dirFd, name), st);

/** Whether `name` in `dirFd` carries overlay's opaque mark. */
export function isOpaqueAt(dirFd: number, name: string): boolean {
  return hasOpaqueMark(fdPath(dirFd, name));
}

function typeOf(mode: number): TarEntryType | null {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "file";
    case S_IFDIR:
      return "dir";
    case S_IFLNK:
      return "symlink";
    case S_IFCHR:
      return "char";
    case S_IFBLK:
      return "block";
    case S_IFIFO:
      return "fifo";
  }
  return null; // sockets are not archived, as tar does
}

function xattrsOf(path: string): Map<string, Uint8Array> | undefined {
  let names: string[];
  try {
    names = libc.llistxattr(path);
  } catch {
    return undefined;
  }
  const out = new Map<string, Uint8Array>();
  for (const n of names) {
    if (n.startsWith("trusted.overlay.")) continue;
    const v = libc.lgetxattr(path, n);
    if (v) out.set(n, v);
  }
  return out.size ? out : undefined;
}

/** The file's content: exactly `size` bytes (a file that shrinks is padded with zeros, one that grows cut). */
function* readContent(fd: number, size: number): Generator<Uint8Array> {
  try {
    const buf = new Uint8Array(Math.min(1 << 20, Math.max(size, 1)));
    let left = size;
    while (left > 0) {
      const n = readFd(fd, buf.subarray(0, Math.min(buf.length, left)));
      if (n === 0) {
        // the file shrank while being archived: keep the tar consistent with the size in its header
        buf.fill(0);
        while (left > 0) {
          const k = Math.min(buf.length, left);
          left -= k;
          yield buf.subarray(0, k);
        }
        return;
      }
      left -= n;
      yield buf.subarray(0, n);
    }
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Writes `name` in `dirFd` (lstat `st`) as tar entry `entryName`: files with their content (a second
 * name of an inode already written, as a hardlink, through `links`), dirs, symlinks, devices, fifos,
 * with owner, mode, mtime and xattrs (overlay's own left out). Returns the type, null for a socket or
 * for an entry that changed into something else while being read.
 */
export async function writeEntryAt(w: TarWriter, dirFd: number, name: string, st: Stat, entryName: string, links: Map<string, string>): Promise<TarEntryType | null> {
  const type = typeOf(st.mode);
  if (!type) return null;
  const path = fdPath(dirFd, name);
  const entry: TarWriteEntry = {
    name: entryName,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: Math.floor(st.mtimeMs / 1000),
    xattrs: type === "symlink" ? undefined : xattrsOf(path),
  };
  if (type === "file") {
    const pfd = tryOpenAt(dirFd, name, O_PATH | O_NOFOLLOW);
    if (pfd < 0) return null;
    let fd: number | null;
    try {
      const now = fstat(pfd);
      if (now.ino !== st.ino || now.dev !== st.dev) return null; // replaced since it was listed
      fd = reopenRegular(pfd);
    } finally {
      closeQuietly(pfd);
    }
    if (fd === null) return null;
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first) {
        closeQuietly(fd);
        await w.add({ ...entry, type: "link", linkname: first, xattrs: undefined });
        return "link";
      }
      links.set(key, entryName);
    }
    await w.add({ ...entry, size: st.size }, readContent(fd, st.size));
    return type;
  }
  if (type === "symlink") {
    try {
      entry.linkname = readlinkAt(dirFd, name);
    } catch {
      return null; // replaced since it was listed
    }
  }
  if (type === "char" || type === "block") {
    const { major, minor } = devNumbers(st.rdev);
    entry.devmajor = major;
    entry.devminor = minor;
  }
  await w.add(entry);
  return type;
}

/** Opens directory `name` of `dirFd` without following a symlink; null when it is no longer one. */
export function openSubdir(dirFd: number, name: string): number | null {
  const fd = tryOpenAt(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  return fd < 0 ? null : fd;
}

/** Writes the merged view of the directories `sources` (topmost first), names under `rel`. */
async function writeMerged(w: TarWriter, sources: number[], rel: string, links: Map<string, string>): Promise<void> {
  const found = new Map<string, Found>();
  const hidden = new Set<string>();
  sources.forEach((dirFd, layer) => {
    for (const name of listDir(dirFd)) {
      if (found.has(name) || hidden.has(name)) continue;
      const st = statAt(dirFd, name);
      if (!st) continue;
      if (isWhiteoutAt(dirFd, name, st)) hidden.add(name);
      else found.set(name, { dirFd, name, st, layer });
    }
  });
  for (const name of [...found.keys()].sort()) {
    const { dirFd, st, layer } = found.get(name)!;
    const entryName = rel ? `${rel}/${name}` : name;
    if (!isDirMode(st.mode)) {
      await writeEntryAt(w, dirFd, name, st, entryName, links);
      continue;
    }
    const top = openSubdir(dirFd, name);
    if (top === null) continue; // no longer a directory
    const below: number[] = [top];
    try {
      await writeEntryAt(w, dirFd, name, st, entryName, links);
      if (!isOpaqueAt(dirFd, name)) {
        for (let l = layer + 1; l < sources.length; l++) {
          const cst = statAt(sources[l], name);
          if (!cst) continue; // absent in this layer: look lower
          if (!isDirMode(cst.mode)) break; // a file or whiteout ends the merge
          const fd = openSubdir(sources[l], name);
          if (fd === null) break;
          below.push(fd);
          if (isOpaqueAt(sources[l], name)) break;
        }
      }
      await writeMerged(w, below, entryName, links);
    } finally {
      below.forEach(closeQuietly);
    }
  }
}

/** Writes the merged view of `layers` (host paths, lowest first) through `w`, names under `prefix` if given. */
export async function writeFlattened(layers: string[], w: TarWriter, prefix = ""): Promise<void> {
  const fds: number[] = [];
  try {
    for (const l of layers.slice().reverse()) fds.push(openDir(l));
    await writeMerged(w, fds, prefix, new Map());
  } finally {
    fds.forEach(closeQuietly);
  }
}

/**
 * Writes `name` in `dirFd` — a file, a symlink (as itself), or a directory and everything below it —
 * as entries named under `entryName` (for `cp CONTAINER:PATH -`).
 */
export async function writeTreeAt(w: TarWriter, dirFd: number, name: string, entryName: string): Promise<void> {
  const st = statAt(dirFd, name);
  if (!st) return;
  const links = new Map<string, string>();
  if (!isDirMode(st.mode)) {
    await writeEntryAt(w, dirFd, name, st, entryName, links);
    return;
  }
  const fd = openSubdir(dirFd, name);
  if (fd === null) return;
  try {
    await writeEntryAt(w, dirFd, name, st, entryName, links);
    await writeMerged(w, [fd], entryName, links);
  } finally {
    closeQuietly(fd);
  }
}
