/**
 * Namespaces and mounts through system calls: unshare, setns, mount, umount2, sethostname.
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
import { closeFd as close, O_CLOEXEC, openFd as open } from "./fd.ts";
import { cstr, ErrnoError, NR, sys } from "./sys.ts";

export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
/** only for berth's single-threaded stub (../runtime/init_stub.ts): Deno's threads make it EINVAL here */
export const CLONE_NEWUSER = 0x10000000;

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

/** mount(2); `source`, `fstype` and `data` may be null. */
export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  withPath("mount", target, () => sys("mount", NR.mount, opt(source), cstr(target), opt(fstype), flags, opt(data)));
}

export function umount2(target: string, flags = 0): void {
  withPath("umount2", target, () => sys("umount2", NR.umount2, cstr(target), flags));
}

export function unshare(flags: number): void {
  sys("unshare", NR.unshare, flags);
}

export function setns(fd: number, nstype = 0): void {
  sys("setns", NR.setns, fd, nstype);
}

export function sethostname(name: string): void {
  const b = new TextEncoder().encode(name);
  sys("sethostname", 170, b, b.length);
}

const opt = (s: string | null) => (s === null ? null : cstr(s));

function withPath(call: string, path: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof ErrnoError) throw new ErrnoError(call, err.code, path);
    throw err;
  }
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

let inUserNs: boolean | undefined;

/**
 * Whether this process is in a user namespace other than the host's (an ordinary user's berth, or an OCI runtime
 * started by rootless Podman): there mknod of device nodes is refused whatever the capabilities.
 */
export function inUserNamespace(): boolean {
  if (inUserNs === undefined) {
    try {
      inUserNs = Deno.readTextFileSync("/proc/self/uid_map").trim().split(/\s+/).join(" ") !== "0 0 4294967295";
    } catch {
      inUserNs = false;
    }
  }
  return inUserNs;
}
