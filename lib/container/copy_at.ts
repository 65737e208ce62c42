/**
 * Copies one entry (a file, a symlink, a device or fifo node, or a directory and all below it) from a
 * directory held by fd to another, for `cp` in both directions. Neither side is ever followed through a
 * symlink: sources are opened with `O_NOFOLLOW` (a symlink is copied as a symlink), destinations are
 * created with `O_EXCL | O_NOFOLLOW` after whatever non-directory stood there is removed, and directories
 * are merged into existing ones as Docker does. A container that swaps paths meanwhile can make a copy
 * fail or copy its own files in another shape, never make berth read or write outside the two trees.
 */
import { BerthError } from "../util/errors.ts";
import { ErrnoError } from "../ffi/sys.ts";
import {
  closeQuietly,
  EEXIST,
  fchmod,
  fdPath,
  fstat,
  isDirMode,
  lchownAt,
  listDir,
  lutimesAt,
  mkdirAt,
  mknodAt,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_PATH,
  O_RDONLY,
  O_WRONLY,
  openAt,
  openRegularAt,
  readFd,
  readlinkAt,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type Stat,
  statAt,
  symlinkAt,
  tryOpenAt,
  unlinkAt,
  writeAllFd,
} from "../ffi/dir_fd.ts";

export interface CopyAtOptions {
  /** keep owners (as `cp -a` and tar streams do); otherwise the copy belongs to berth's user */
  keepOwner: boolean;
  /** what to call the source in errors */
  label: string;
}

function setMeta(dirFd: number, name: string, st: Stat, opts: CopyAtOptions, fd?: number): void {
  if (opts.keepOwner) lchownAt(fd ?? dirFd, fd === undefined ? name : "", st.uid, st.gid);
  if ((st.mode & S_IFMT) !== S_IFLNK) {
    if (fd !== undefined) fchmod(fd, st.mode & 0o7777);
    else {
      // a node we just made: reach it through an O_PATH fd of its own, never by name again
      const p = tryOpenAt(dirFd, name, O_PATH | O_NOFOLLOW);
      if (p >= 0) {
        try {
          if ((fstat(p).mode & S_IFMT) !== S_IFLNK) Deno.chmodSync(fdPath(p), st.mode & 0o7777);
        } finally {
          closeQuietly(p);
        }
      }
    }
  }
  if (fd !== undefined) lutimesAt(fd, "", st.atimeMs, st.mtimeMs);
  else lutimesAt(dirFd, name, st.atimeMs, st.mtimeMs);
}

/** Clears the way for a non-directory at `name`: removes what is there unless it is a directory. */
function clearForFile(dstDir: number, name: string, label: string): void {
  const cur = statAt(dstDir, name);
  if (!cur) return;
  if (isDirMode(cur.mode)) throw new BerthError(`cannot overwrite directory "${label}" with non-directory`);
  unlinkAt(dstDir, name);
}

function copyFile(srcFd: number, dstDir: number, dstName: string, st: Stat, opts: CopyAtOptions): void {
  clearForFile(dstDir, dstName, dstName);
  const out = openAt(dstDir, dstName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const n = readFd(srcFd, buf);
      if (n === 0) break;
      writeAllFd(out, buf.subarray(0, n));
    }
    setMeta(dstDir, dstName, st, opts, out);
  } finally {
    closeQuietly(out);
  }
}

/** Copies `srcName` of `srcDir` to `dstName` of `dstDir` (see the module's comment). */
export function copyAt(srcDir: number, srcName: string, dstDir: number, dstName: string, opts: CopyAtOptions): void {
  const st = statAt(srcDir, srcName);
  if (!st) throw new BerthError(`${opts.label}: no such file or directory`);
  switch (st.mode & S_IFMT) {
    case S_IFDIR: {
      const src = tryOpenAt(srcDir, srcName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      if (src < 0) throw new BerthError(`${opts.label} changed while it was being copied`);
      try {
        let dst = tryOpenAt(dstDir, dstName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (dst < 0) {
          const cur = statAt(dstDir, dstName);
          if (cur && (cur.mode & S_IFMT) !== S_IFLNK) {
            throw new BerthError(`cannot overwrite non-directory "${dstName}" with directory "${opts.label}"`);
          }
          if (cur) unlinkAt(dstDir, dstName); // a symlink where the directory goes is replaced, not followed
          try {
            mkdirAt(dstDir, dstName, 0o700);
          } catch (err) {
            if (!(err instanceof ErrnoError && err.code === EEXIST)) throw err;
          }
          dst = openAt(dstDir, dstName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        }
        try {
          for (const child of listDir(src)) copyAt(src, child, dst, child, { ...opts, label: `${opts.label}/${child}` });
          setMeta(dstDir, dstName, st, opts, dst);
        } finally {
          closeQuietly(dst);
        }
      } finally {
        closeQuietly(src);
      }
      return;
    }
    case S_IFREG: {
      const fd = openRegularAt(srcDir, srcName);
      if (fd === null) throw new BerthError(`${opts.label} changed while it was being copied`);
      try {
        copyFile(fd, dstDir, dstName, { ...st, size: fstat(fd).size }, opts);
      } finally {
        closeQuietly(fd);
      }
      return;
    }
    case S_IFLNK: {
      const target = readlinkAt(srcDir, srcName);
      clearForFile(dstDir, dstName, dstName);
      symlinkAt(target, dstDir, dstName);
      setMeta(dstDir, dstName, st, opts);
      return;
    }
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO: {
      clearForFile(dstDir, dstName, dstName);
      mknodAt(dstDir, dstName, st.mode & (S_IFMT | 0o777), st.rdev);
      setMeta(dstDir, dstName, st, opts);
      return;
    }
    default:
      return; // sockets are not copied, as tar does not archive them
  }
}
