/**
 * libc through `Deno.dlopen`: the few system calls Deno's own API lacks (mknod, lchown,
 * xattrs, utimensat without following symlinks, fd-based file writes for fast layer unpacking).
 * Every wrapper turns a -1 return into an {@link ErrnoError} carrying errno and the call's name.
 * Loaded lazily, once per isolate (each Worker loads its own). The fd helpers `berth run` needs are in
 * ./fd.ts, over the smaller ./sys.ts.
 */
import { cstr, errno, ErrnoError, scratchCstr } from "./sys.ts";

export { cstr, errno, ErrnoError } from "./sys.ts";
export * from "./fd.ts";
// the open flags, file types and errno values berth shares with the *at calls (one definition, in ./dir_fd.ts)
export { EEXIST, ENOENT, O_CREAT, O_EXCL, O_NOFOLLOW, O_TRUNC, O_WRONLY, S_IFBLK, S_IFCHR, S_IFIFO } from "./dir_fd.ts";

const symbols = {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  syncfs: { parameters: ["i32"], result: "i32" },
  syncfsAsync: { name: "syncfs", parameters: ["i32"], result: "i32", nonblocking: true },
  sync_file_range: { parameters: ["i32", "i64", "i64", "u32"], result: "i32" },
  fchown: { parameters: ["i32", "u32", "u32"], result: "i32" },
  fchmod: { parameters: ["i32", "u32"], result: "i32" },
  futimens: { parameters: ["i32", "buffer"], result: "i32" },
  utimensat: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  lchown: { parameters: ["buffer", "u32", "u32"], result: "i32" },
  chmod: { parameters: ["buffer", "u32"], result: "i32" },
  mkdir: { parameters: ["buffer", "u32"], result: "i32" },
  mknod: { parameters: ["buffer", "u32", "u64"], result: "i32" },
  lsetxattr: { parameters: ["buffer", "buffer", "buffer", "usize", "i32"], result: "i32" },
  fsetxattr: { parameters: ["i32", "buffer", "buffer", "usize", "i32"], result: "i32" },
  lgetxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
  llistxattr: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  umask: { parameters: ["u32"], result: "u32" },
  geteuid: { parameters: [], result: "u32" },
  getegid: { parameters: [], result: "u32" },
} as const;

type Lib = Deno.DynamicLibrary<typeof symbols>["symbols"];
let lib: Lib | undefined;

function libc(): Lib {
  if (!lib) lib = Deno.dlopen("libc.so.6", symbols).symbols;
  return lib;
}

export const ENODATA = 61;
export const ENOTSUP = 95;
export const ERANGE = 34;

function check(ret: number | bigint, call: string, path?: string): number {
  const n = Number(ret);
  if (n < 0) throw new ErrnoError(call, errno(), path);
  return n;
}

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;

export function open(path: string, flags: number, mode: number): number {
  return check(libc().open(scratchCstr(path), flags, mode), "open", path);
}

/** Writes all of `data` to `fd`. */
export function writeAll(fd: number, data: Uint8Array<ArrayBuffer>): void {
  let off = 0;
  while (off < data.length) {
    const chunk = off === 0 ? data : data.subarray(off);
    off += check(libc().write(fd, chunk, BigInt(chunk.length)), "write");
  }
}

export function close(fd: number): void {
  check(libc().close(fd), "close");
}

/** Flushes the whole filesystem holding `fd`: one call instead of an fsync per unpacked file. */
export function syncfs(fd: number): void {
  check(libc().syncfs(fd), "syncfs");
}

/**
 * syncfs on a helper thread: resolves to whether it succeeded (errno stays on that thread).
 * `fd` must stay open until it settles.
 */
export function syncfsInBackground(fd: number): Promise<boolean> {
  return libc().syncfsAsync(fd).then((r) => r === 0);
}

/**
 * Starts writeback of `fd`'s dirty pages in [offset, offset+length) without waiting (0 length = to
 * the end), so the disk works while unpacking goes on and the final syncfs has little left to do.
 * Advisory: errors are ignored.
 */
export function startWriteback(fd: number, offset = 0, length = 0): void {
  libc().sync_file_range(fd, BigInt(offset), BigInt(length), 2 /* SYNC_FILE_RANGE_WRITE */);
}

export function fchown(fd: number, uid: number, gid: number): void {
  check(libc().fchown(fd, uid, gid), "fchown");
}

export function fchmod(fd: number, mode: number): void {
  check(libc().fchmod(fd, mode), "fchmod");
}

export function chmod(path: string, mode: number): void {
  check(libc().chmod(cstr(path), mode), "chmod", path);
}

export function mkdir(path: string, mode: number): void {
  check(libc().mkdir(cstr(path), mode), "mkdir", path);
}

export function lchown(path: string, uid: number, gid: number): void {
  check(libc().lchown(cstr(path), uid, gid), "lchown", path);
}

/** two `struct timespec`s, filled for one call at a time (calls are synchronous: one buffer serves all) */
const times = new BigInt64Array(4);
const timesBytes = new Uint8Array(times.buffer);

let lastTimes: [number, number] = [NaN, NaN];

function timespecs(atimeMs: number, mtimeMs: number): Uint8Array<ArrayBuffer> {
  // a layer's files mostly share their times: the BigInts are made again only when they change
  if (atimeMs === lastTimes[0] && mtimeMs === lastTimes[1]) return timesBytes;
  lastTimes = [atimeMs, mtimeMs];
  times[0] = BigInt(Math.floor(atimeMs / 1000));
  times[1] = BigInt(Math.round((atimeMs % 1000) * 1e6));
  times[2] = BigInt(Math.floor(mtimeMs / 1000));
  times[3] = BigInt(Math.round((mtimeMs % 1000) * 1e6));
  return timesBytes;
}

export function futimens(fd: number, atimeMs: number, mtimeMs: number): void {
  check(libc().futimens(fd, timespecs(atimeMs, mtimeMs)), "futimens");
}

/** Sets times on `path` itself, never on what a symlink points to. */
export function lutimes(path: string, atimeMs: number, mtimeMs: number): void {
  check(
    libc().utimensat(AT_FDCWD, cstr(path), timespecs(atimeMs, mtimeMs), AT_SYMLINK_NOFOLLOW),
    "utimensat",
    path,
  );
}

/** mknod(2): device nodes, fifos and overlayfs whiteouts (char 0:0). */
export function mknod(path: string, mode: number, major: number, minor: number): void {
  // glibc's makedev encoding
  const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) |
    (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  check(libc().mknod(cstr(path), mode, dev), "mknod", path);
}

export function lsetxattr(path: string, name: string, value: Uint8Array<ArrayBuffer>): void {
  check(libc().lsetxattr(cstr(path), cstr(name), value, BigInt(value.length), 0), "lsetxattr", path);
}

export function fsetxattr(fd: number, name: string, value: Uint8Array<ArrayBuffer>): void {
  check(libc().fsetxattr(fd, cstr(name), value, BigInt(value.length), 0), "fsetxattr");
}

/** The value of xattr `name` on `path` (not following symlinks), or null when it is not set. */
export function lgetxattr(path: string, name: string): Uint8Array | null {
  const p = cstr(path);
  const n = cstr(name);
  let buf = new Uint8Array(256);
  for (;;) {
    const r = Number(libc().lgetxattr(p, n, buf, BigInt(buf.length)));
    if (r >= 0) return buf.slice(0, r);
    const e = errno();
    if (e === ENODATA || e === ENOTSUP) return null;
    if (e !== ERANGE) throw new ErrnoError("lgetxattr", e, path);
    buf = new Uint8Array(buf.length * 4);
  }
}

/** The names of the xattrs on `path` (not following symlinks). */
export function llistxattr(path: string): string[] {
  const p = cstr(path);
  let buf = new Uint8Array(1024);
  for (;;) {
    const r = Number(libc().llistxattr(p, buf, BigInt(buf.length)));
    if (r >= 0) {
      return new TextDecoder().decode(buf.subarray(0, r)).split("\0").filter((s) => s.length > 0);
    }
    const e = errno();
    if (e === ENOTSUP) return [];
    if (e !== ERANGE) throw new ErrnoError("llistxattr", e, path);
    buf = new Uint8Array(buf.length * 4);
  }
}

let ids: { uid: number; gid: number; umask: number } | undefined;

/** This process's effective uid, gid and umask, read once: lets callers skip no-op chown/chmod calls. */
export function processIds(): { uid: number; gid: number; umask: number } {
  if (!ids) {
    const old = libc().umask(0o022);
    libc().umask(old);
    ids = { uid: libc().geteuid(), gid: libc().getegid(), umask: old };
  }
  return ids;
}
