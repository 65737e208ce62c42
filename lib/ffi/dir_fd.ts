/**
 * Directory file descriptors and the `*at` system calls: the way berth touches a tree that an image, a
 * container or a build context controls. A path in such a tree is never handed to the kernel as one
 * string from the host's `/`; it is resolved from an fd of the tree's root with `openat2`
 * (`RESOLVE_IN_ROOT`: symlinks and `..` stay inside) or walked one component at a time with
 * `O_NOFOLLOW`, and what is found is then used through its fd. A tree that changes meanwhile (a container
 * swapping a directory and a symlink in a loop) can make an operation fail, never make it leave the tree.
 *
 * `fdPath(dirFd, name)` (`/proc/self/fd/N/NAME`) lets Deno's and libc's `l*` calls act on one entry of a
 * directory held by fd: the kernel takes the directory from the fd and does not follow NAME itself.
 *
 * @example
 * ```ts
 * const root = openDir("/proc/1234/root");
 * const fd = openInRoot(root, "/etc/passwd", O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
 * ```
 */
import { cstr, ErrnoError, errno, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, trySys } from "./sys.ts";

const NR_read = 0;
const NR_fstat = 5;
const NR_openat = 257;
const NR_mkdirat = 258;
const NR_mknodat = 259;
const NR_fchownat = 260;
const NR_newfstatat = 262;
const NR_unlinkat = 263;
const NR_symlinkat = 266;
const NR_readlinkat = 267;
const NR_fchmod = 91;
const NR_utimensat = 280;
const NR_openat2 = 437;

export const O_RDONLY = 0;
export const O_WRONLY = 0o1;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;

export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;

const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_REMOVEDIR = 0x200;

export const ENOENT = 2;
export const EEXIST = 17;
export const ENOTDIR = 20;

export { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "./sys.ts";
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/** What `stat(2)` says of an entry, as numbers. */
export interface Stat {
  dev: bigint;
  ino: bigint;
  nlink: number;
  mode: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  atimeMs: number;
  mtimeMs: number;
}

export const isDirMode = (m: number) => (m & S_IFMT) === S_IFDIR;
export const isRegMode = (m: number) => (m & S_IFMT) === S_IFREG;
export const isLinkMode = (m: number) => (m & S_IFMT) === S_IFLNK;

const statBuf = new Uint8Array(144);
const statView = new DataView(statBuf.buffer);

function readStat(): Stat {
  const ms = (off: number) => Number(statView.getBigInt64(off, true)) * 1000 + Number(statView.getBigInt64(off + 8, true)) / 1e6;
  return {
    dev: statView.getBigUint64(0, true),
    ino: statView.getBigUint64(8, true),
    nlink: Number(statView.getBigUint64(16, true)),
    mode: statView.getUint32(24, true),
    uid: statView.getUint32(28, true),
    gid: statView.getUint32(32, true),
    rdev: Number(statView.getBigUint64(40, true)),
    size: Number(statView.getBigInt64(48, true)),
    atimeMs: ms(72),
    mtimeMs: ms(88),
  };
}

function check(r: number, call: string, what?: string): number {
  if (r < 0) throw new ErrnoError(call, errno(), what);
  return r;
}

/** `/proc/self/fd/N[/NAME]`: a path for `l*` calls on NAME in the directory held by `dirFd`. */
export const fdPath = (dirFd: number, name?: string) => (name ? `/proc/self/fd/${dirFd}/${name}` : `/proc/self/fd/${dirFd}`);

/** Opens a trusted host directory (a root to resolve in); read-only, close-on-exec. */
export function openDir(path: string): number {
  return check(trySys(NR_openat, -100, cstr(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0), "open", path);
}

/** openat(2) of one name in `dirFd`; returns -errno instead of throwing. */
export function tryOpenAt(dirFd: number, name: string, flags: number, mode = 0): number {
  const r = trySys(NR_openat, dirFd, cstr(name), flags | O_CLOEXEC, mode);
  return r < 0 ? -errno() : r;
}

export function openAt(dirFd: number, name: string, flags: number, mode = 0): number {
  const r = tryOpenAt(dirFd, name, flags, mode);
  if (r < 0) throw new ErrnoError("open", -r, name);
  return r;
}

const howBuf = new BigUint64Array(3);

/**
 * openat2(2) of `path` below `rootFd` with `resolve` flags (default: `/`, `..` and every symlink,
 * absolute or not, stay inside the root; magic links are refused). Returns -errno instead of throwing.
 */
export function tryOpenInRoot(rootFd: number, path: string, flags: number, resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, mode = 0): number {
  howBuf[0] = BigInt(flags | O_CLOEXEC);
  howBuf[1] = BigInt(flags & O_CREAT ? mode : 0);
  howBuf[2] = BigInt(resolve);
  const p = path.replace(/^\/+/, "") || ".";
  const r = trySys(NR_openat2, rootFd, cstr(p), new Uint8Array(howBuf.buffer), 24);
  return r < 0 ? -errno() : r;
}

export function closeQuietly(fd: number): void {
  if (fd >= 0) trySys(3, fd);
}

export function fstat(fd: number): Stat {
  check(trySys(NR_fstat, fd, statBuf), "fstat");
  return readStat();
}

/** lstat (or stat with `follow`) of `name` in `dirFd`; null when it is not there. */
export function statAt(dirFd: number, name: string, follow = false): Stat | null {
  const r = trySys(NR_newfstatat, dirFd, cstr(name), statBuf, follow ? 0 : AT_SYMLINK_NOFOLLOW);
  if (r < 0) {
    const e = errno();
    if (e === ENOENT || e === ENOTDIR) return null;
    throw new ErrnoError("stat", e, name);
  }
  return readStat();
}

/** mkdirat(2); returns -errno instead of throwing. */
export function tryMkdirAt(dirFd: number, name: string, mode: number): number {
  const r = trySys(NR_mkdirat, dirFd, cstr(name), mode);
  return r < 0 ? -errno() : 0;
}

export function mkdirAt(dirFd: number, name: string, mode: number): void {
  const r = tryMkdirAt(dirFd, name, mode);
  if (r < 0) throw new ErrnoError("mkdir", -r, name);
}

export function mknodAt(dirFd: number, name: string, mode: number, dev: number): void {
  check(trySys(NR_mknodat, dirFd, cstr(name), mode, dev), "mknod", name);
}

export function symlinkAt(target: string, dirFd: number, name: string): void {
  check(trySys(NR_symlinkat, cstr(target), dirFd, cstr(name)), "symlink", name);
}

const linkBuf = new Uint8Array(4096);

export function readlinkAt(dirFd: number, name: string): string {
  const n = check(trySys(NR_readlinkat, dirFd, cstr(name), linkBuf, linkBuf.length), "readlink", name);
  return new TextDecoder().decode(linkBuf.subarray(0, n));
}

/** Removes `name` (a directory only when `dir`); false when it was not there. */
export function unlinkAt(dirFd: number, name: string, dir = false): boolean {
  const r = trySys(NR_unlinkat, dirFd, cstr(name), dir ? AT_REMOVEDIR : 0);
  if (r < 0) {
    const e = errno();
    if (e === ENOENT) return false;
    throw new ErrnoError("unlink", e, name);
  }
  return true;
}

/** chown of `name` itself (AT_SYMLINK_NOFOLLOW); "" with an fd of the entry acts on that fd. */
export function lchownAt(dirFd: number, name: string, uid: number, gid: number): void {
  check(trySys(NR_fchownat, dirFd, cstr(name), uid, gid, name ? AT_SYMLINK_NOFOLLOW : 0x1000 /* AT_EMPTY_PATH */), "chown", name);
}

export function fchmod(fd: number, mode: number): void {
  check(trySys(NR_fchmod, fd, mode), "chmod");
}

function timespecs(atimeMs: number, mtimeMs: number): Uint8Array {
  const buf = new BigInt64Array(4);
  buf[0] = BigInt(Math.floor(atimeMs / 1000));
  buf[1] = BigInt(Math.round((((atimeMs % 1000) + 1000) % 1000) * 1e6));
  buf[2] = BigInt(Math.floor(mtimeMs / 1000));
  buf[3] = BigInt(Math.round((((mtimeMs % 1000) + 1000) % 1000) * 1e6));
  return new Uint8Array(buf.buffer);
}

/** Times of `name` itself in `dirFd` (never a symlink's target); `name` "" sets them on `dirFd`. */
export function lutimesAt(dirFd: number, name: string, atimeMs: number, mtimeMs: number): void {
  const r = name
    ? trySys(NR_utimensat, dirFd, cstr(name), timespecs(atimeMs, mtimeMs), AT_SYMLINK_NOFOLLOW)
    : trySys(NR_utimensat, dirFd, null, timespecs(atimeMs, mtimeMs), 0);
  check(r, "utimensat", name);
}

/** The names in the directory held by `fd` (without `.` and `..`). */
export function listDir(fd: number): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(fdPath(fd))) out.push(e.name);
  return out;
}

/** Reads `fd` to its end; throws when it holds more than `max` bytes. */
export function readAllFd(fd: number, max: number, what: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = trySys(NR_read, fd, buf, buf.length);
    if (n < 0) throw new ErrnoError("read", errno(), what);
    if (n === 0) break;
    total += n;
    if (total > max) throw new ErrnoError("read", 27 /* EFBIG */, what);
    chunks.push(buf.slice(0, n));
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Reads up to `buf.length` bytes from `fd` (0 at the end). */
export function readFd(fd: number, buf: Uint8Array): number {
  const n = trySys(NR_read, fd, buf, buf.length);
  if (n < 0) throw new ErrnoError("read", errno());
  return n;
}

/** Writes all of `data` to `fd`. */
export function writeAllFd(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    const n = trySys(1, fd, data.subarray(off), data.length - off);
    if (n < 0) throw new ErrnoError("write", errno());
    off += n;
  }
}

/**
 * Opens a regular file `name` in `dirFd` for reading without following a symlink and without ever
 * blocking on a FIFO or device the tree's owner put there; null when `name` is anything but a regular
 * file (or missing).
 */
export function openRegularAt(dirFd: number, name: string): number | null {
  const pfd = tryOpenAt(dirFd, name, O_PATH | O_NOFOLLOW);
  if (pfd < 0) return null;
  try {
    return reopenRegular(pfd);
  } finally {
    closeQuietly(pfd);
  }
}

/**
 * Opens a regular file for reading, or returns null when `fd` is anything else. The O_PATH fd is
 * checked first and only then reopened (through its /proc/self/fd magic link, which names exactly that
 * inode): a FIFO or device is never opened, so nothing can make berth block or trigger a driver.
 */
export function reopenRegular(pathFd: number): number | null {
  if (!isRegMode(fstat(pathFd).mode)) return null;
  const fd = tryOpenAt(-100, `/proc/self/fd/${pathFd}`, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  return fd < 0 ? null : fd;
}
