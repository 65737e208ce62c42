/**
 * The one libc handle `berth run` needs: `syscall(2)` for every system call, plus posix_spawn,
 * and the calls that run on a helper thread (waitpid, epoll_wait, blocking writes). A single small `Deno.dlopen` —
 * each symbol Deno binds costs start-up time, and a container start is measured in milliseconds.
 */

const symbols = {
  syscall: { parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"], result: "i64" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  posix_spawn: { parameters: ["buffer", "buffer", "pointer", "pointer", "buffer", "buffer"], result: "i32" },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32", nonblocking: true },
  writeBlocking: { name: "write", parameters: ["i32", "buffer", "usize"], result: "isize", nonblocking: true },
  nopBlocking: { name: "getpid", parameters: [], result: "i32", nonblocking: true },
  epollWait: { name: "epoll_wait", parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
} as const;

let lib: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;
export const sysLib = () => (lib ??= Deno.dlopen("libc.so.6", symbols).symbols);

/** x86-64 system call numbers. */
export const NR = {
  read: 0, write: 1, open: 2, close: 3, ioctl: 16, pipe2: 293, fcntl: 72, prctl: 157, mount: 165, umount2: 166,
  unshare: 272, setns: 308, memfd_create: 319,
} as const;

/** A failed system call: `code` is errno, `call` names the call. */
export class ErrnoError extends Error {
  constructor(readonly call: string, readonly code: number, readonly path?: string) {
    super(`${call}${path ? ` ${path}` : ""}: ${strerror(code)}`);
    this.name = "ErrnoError";
  }
}

export function strerror(code: number): string {
  const p = sysLib().strerror(code);
  return p ? Deno.UnsafePointerView.getCString(p) : `errno ${code}`;
}

/** errno of the last failed call on this thread (read it right after the call). */
export function errno(): number {
  return new Deno.UnsafePointerView(sysLib().__errno_location()!).getInt32();
}

export type SysArg = number | bigint | Uint8Array | null;

const encoder = new TextEncoder();

/** A NUL-terminated copy of `s` for passing to C. */
export function cstr(s: string): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(s.length * 3 + 1);
  const { written } = encoder.encodeInto(s, b);
  return b.subarray(0, written + 1) as Uint8Array<ArrayBuffer>;
}

/**
 * `s` as a C string in one buffer reused by every call: no ArrayBuffer per call (the unpacker opens one file after
 * another, and each allocation costs GC work). Only for a call's single string, used before the next.
 */
let scratch = new Uint8Array(4096);
export function scratchCstr(s: string): Uint8Array<ArrayBuffer> {
  if (s.length * 3 + 1 > scratch.length) scratch = new Uint8Array(s.length * 3 + 1);
  const { written } = encoder.encodeInto(s, scratch);
  scratch[written] = 0;
  return scratch.subarray(0, written + 1) as Uint8Array<ArrayBuffer>;
}

function word(a: SysArg | undefined): bigint {
  if (a === null || a === undefined) return 0n;
  if (typeof a === "bigint") return a;
  if (typeof a === "number") return BigInt(a);
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(a as Uint8Array<ArrayBuffer>)));
}

/** syscall(2) as it is: the result, negative on failure (then read {@link errno}). */
export function trySys(nr: number, ...args: SysArg[]): number {
  return Number(sysLib().syscall(BigInt(nr), word(args[0]), word(args[1]), word(args[2]), word(args[3]), word(args[4]), word(args[5])));
}

/** syscall(2): returns the result, or throws {@link ErrnoError} naming `what`. */
export function sys(what: string, nr: number, ...args: SysArg[]): number {
  const r = sysLib().syscall(BigInt(nr), word(args[0]), word(args[1]), word(args[2]), word(args[3]), word(args[4]), word(args[5]));
  const n = Number(r);
  if (n < 0) throw new ErrnoError(what, errno());
  return n;
}

/** exit_group(2) at once, skipping Deno's shutdown; only when no output is buffered. */
export function fastExit(code: number): never {
  sysLib().syscall(231n, BigInt(code), 0n, 0n, 0n, 0n, 0n);
  Deno.exit(code); // not reached
}

/**
 * Makes sure `n` helper threads exist for blocking calls (the poller's epoll_wait, blocking writes,
 * Deno's async file ops). Starting a thread has to wait while another process moves between cgroups
 * (the kernel's cgroup_threadgroup_rwsem), so berth starts them before its container's init joins its
 * cgroup, not while it does.
 */
export async function prestartHelperThreads(n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => sysLib().nopBlocking()));
}

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export interface StatLite {
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

const statBuf = new Uint8Array(144);
const statView = new DataView(statBuf.buffer);

/**
 * stat(2) (lstat when `follow` is false) without exceptions: null when the path does not exist.
 * Deno's statSync throws NotFound for a missing path, and building that error has cost milliseconds
 * on berth's start-up path.
 */
export function statLite(path: string, follow = true): StatLite | null {
  const r = Number(sysLib().syscall(262n /* newfstatat */, -100n /* AT_FDCWD */, word(cstr(path)), word(statBuf), follow ? 0n : 0x100n, 0n, 0n));
  if (r < 0) return null;
  return {
    mode: statView.getUint32(24, true),
    uid: statView.getUint32(28, true),
    gid: statView.getUint32(32, true),
    size: Number(statView.getBigInt64(48, true)),
  };
}

export const isDir = (s: StatLite | null) => !!s && (s.mode & S_IFMT) === S_IFDIR;
export const isSymlink = (s: StatLite | null) => !!s && (s.mode & S_IFMT) === S_IFLNK;

/** A device number (st_rdev) as the kernel splits it: 12 bits of major low, 20 of minor, the rest above. */
export function devNumbers(rdev: number): { major: number; minor: number } {
  return {
    major: ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff),
    minor: (rdev & 0xff) | ((rdev >> 12) & ~0xff & 0xfffff),
  };
}
