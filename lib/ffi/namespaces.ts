/**
 * Namespaces and mounts through libc: unshare, setns, mount, umount2, pivot_root, sethostname.
 *
 * Deno runs JS on one thread among several, so `unshare` moves only the JS thread (and what it spawns
 * next); CLONE_NEWUSER is refused (EINVAL) in a threaded process. `setns` back to fds of
 * `/proc/self/ns/*` saved beforehand restores the thread. Failures throw {@link ErrnoError}.
 *
 * @example
 * ```ts
 * const saved = saveNamespaces(["uts"]);
 * unshare(CLONE_NEWUTS);
 * sethostname("box");
 * // … spawn a process here: it is in the new UTS namespace
 * restoreNamespaces(saved);
 * ```
 */
import { close, cstr, errno, ErrnoError, O_CLOEXEC, open } from "./libc.ts";

export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_REMOUNT = 0x20;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MNT_DETACH = 0x2;

const SYS_PIVOT_ROOT = 155; // x86_64

const symbols = {
  unshare: { parameters: ["i32"], result: "i32" },
  setns: { parameters: ["i32", "i32"], result: "i32" },
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "buffer"], result: "i32" },
  umount2: { parameters: ["buffer", "i32"], result: "i32" },
  sethostname: { parameters: ["buffer", "usize"], result: "i32" },
  syscall: { parameters: ["i64", "buffer", "buffer"], result: "i64" },
} as const;

let lib: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;
const ns = () => (lib ??= Deno.dlopen("libc.so.6", symbols).symbols);

function check(ret: number | bigint, call: string, path?: string): void {
  if (Number(ret) < 0) throw new ErrnoError(call, errno(), path);
}

const opt = (s: string | null) => (s === null ? null : cstr(s));

export function unshare(flags: number): void {
  check(ns().unshare(flags), "unshare");
}

export function setns(fd: number, nstype = 0): void {
  check(ns().setns(fd, nstype), "setns");
}

/** mount(2); `source`, `fstype` and `data` may be null. */
export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  check(ns().mount(opt(source), cstr(target), opt(fstype), BigInt(flags), opt(data)), "mount", target);
}

export function umount2(target: string, flags = 0): void {
  check(ns().umount2(cstr(target), flags), "umount2", target);
}

export function pivotRoot(newRoot: string, putOld: string): void {
  check(ns().syscall(BigInt(SYS_PIVOT_ROOT), cstr(newRoot), cstr(putOld)), "pivot_root", newRoot);
}

export function sethostname(name: string): void {
  const b = new TextEncoder().encode(name);
  check(ns().sethostname(b, BigInt(b.length)), "sethostname");
}

export type NamespaceName = "mnt" | "uts" | "ipc" | "net" | "pid" | "cgroup";
export interface SavedNamespace {
  name: NamespaceName;
  fd: number;
}

/** Opens fds of the JS thread's namespaces, to come back to with {@link restoreNamespaces}. */
export function saveNamespaces(names: NamespaceName[]): SavedNamespace[] {
  const saved: SavedNamespace[] = [];
  try {
    for (const name of names) saved.push({ name, fd: open(`/proc/thread-self/ns/${name}`, O_CLOEXEC, 0) });
  } catch (err) {
    for (const s of saved) close(s.fd);
    throw err;
  }
  return saved;
}

/** Moves the JS thread back into saved namespaces; closes the fds whatever happens. */
export function restoreNamespaces(saved: SavedNamespace[]): void {
  try {
    for (const s of saved) setns(s.fd);
  } finally {
    for (const s of saved) close(s.fd);
  }
}
