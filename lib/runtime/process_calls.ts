/**
 * The init stub's calls that every container process makes, whatever built its config: the cgroup join
 * (first, before the namespaces, so a cgroup namespace is rooted at it) and the process's own setup up to
 * its execve — capabilities, no_new_privs, seccomp, identity, terminal, signals, umask, fds. Shared by the
 * OCI setup program (a container's first process) and both `exec`s.
 */
import { type InitProgram, SYS } from "./init_program.ts";
import type { ProcessUser } from "../container/user.ts";

const O_WRONLY = 1;
const O_CLOEXEC = 0o2000000;
const KEYCTL_JOIN_SESSION_KEYRING = 1;
const PR_SET_PDEATHSIG = 1;
const PR_CAPBSET_DROP = 24;
const PR_SET_NO_NEW_PRIVS = 38;
const TIOCSCTTY = 0x540e;
const CLOSE_RANGE_CLOEXEC = 4;
const SECCOMP_SET_MODE_FILTER = 1;

/**
 * The calls before the stub waits for the rest (they need nothing from the image or the rootfs): die
 * with berth (foreground runs) and join the cgroup.
 */
export function joinCgroup(p: InitProgram, cgroupProcs: string[], dieWithParent: boolean): void {
  if (dieWithParent) p.call("prctl(PR_SET_PDEATHSIG)", SYS.prctl, [PR_SET_PDEATHSIG, 9, 0, 0, 0]);
  for (const procs of cgroupProcs) {
    p.call(`open ${procs}`, SYS.open, [procs, O_WRONLY | O_CLOEXEC, 0]);
    p.call(`join cgroup ${procs}`, SYS.write, [null, "0", 1], { previousResult: true });
  }
}

const NS_FILES = { user: "user", ipc: "ipc", uts: "uts", network: "net", cgroup: "cgroup", mount: "mnt" } as const;
export type JoinableNamespace = keyof typeof NS_FILES;

/**
 * An exec's entry into a running container: the namespaces of its process `pid` that `types` names, in
 * one order whatever the caller's — the mount namespace last (after it, paths are the container's).
 */
export function joinNamespacesCalls(p: InitProgram, pid: number, types: JoinableNamespace[]): void {
  // the user namespace first: the others are its to enter
  for (const type of ["user", "ipc", "uts", "network", "cgroup", "mount"] as const) {
    if (!types.includes(type)) continue;
    const path = `/proc/${pid}/ns/${NS_FILES[type]}`;
    p.call(`open ${path}`, SYS.open, [path, O_CLOEXEC, 0]);
    p.call(`join the ${type} namespace`, SYS.setns, [null, 0], { previousResult: true });
  }
}

/** Every signal to its default action and none blocked (Deno ignores SIGPIPE; an ignored signal survives execve). */
export function defaultSignalsCalls(p: InitProgram): void {
  const defaultAction = new Uint8Array(32); // struct sigaction { SIG_DFL, flags 0, no restorer, empty mask }
  for (let sig = 1; sig <= 64; sig++) {
    if (sig !== 9 && sig !== 19) {
      p.call(`reset signal ${sig}`, SYS.rt_sigaction, [sig, defaultAction, null, 8], { ignoreFailure: true });
    }
  }
  p.call("unblock signals", SYS.rt_sigprocmask, [2, new Uint8Array(8), null, 8]);
}

export interface ProcessCallsInput {
  capabilities: number[];
  lastCap: number;
  noNewPrivileges: boolean;
  /** a compiled seccomp filter: `struct sock_filter[]` */
  seccomp?: Uint8Array;
  user: ProcessUser;
  /** the terminal's follower end, inherited, to become stdio and controlling terminal */
  ttyFd?: number;
  execPath: string;
  args: string[];
  env: string[];
  /** fds 3 … 3+N-1 stay open across the execve (an OCI runtime's `--preserve-fds`) */
  keepFds?: number;
}

/** The call that installs `filter` (struct sock_fprog { u16 len; u64 filter } in the data block). */
function seccompCall(p: InitProgram, filter: Uint8Array): () => void {
  const fprog = new Uint8Array(16);
  new DataView(fprog.buffer).setUint16(0, filter.length / 8, true);
  const ref = p.structWithPointer(fprog, 8, filter);
  return () => p.call("install the seccomp filter", SYS.seccomp, [SECCOMP_SET_MODE_FILTER, 0, ref]);
}

/**
 * The process's own setup, shared by a container's first process and `exec`: bounding set,
 * no_new_privs, groups/gid/uid, terminal, default signals, umask, close-on-exec of berth's fds, execve.
 */
export function processCalls(p: InitProgram, input: ProcessCallsInput): void {
  // a new, anonymous session keyring (the kernel's keyrings are not namespaced): the keys of berth's
  // own session — a login's credentials, say — are not the container's (a kernel without keys: no-op)
  p.call("join a new session keyring", SYS.keyctl, [KEYCTL_JOIN_SESSION_KEYRING, null], { ignoreFailure: true });
  const caps = new Set(input.capabilities);
  for (let c = 0; c <= input.lastCap; c++) {
    if (!caps.has(c)) p.call(`drop capability ${c}`, SYS.prctl, [PR_CAPBSET_DROP, c, 0, 0, 0]);
  }
  if (input.noNewPrivileges) p.call("no_new_privs", SYS.prctl, [PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0]);
  // seccomp as late as it can be: without no_new_privs installing a filter takes CAP_SYS_ADMIN, which a
  // non-root user loses at setresuid — so before it (the filter must then allow the calls that follow,
  // as Docker's does); with no_new_privs, right before execve (runc's order)
  const filter = input.seccomp ? seccompCall(p, input.seccomp) : undefined;
  if (filter && !input.noNewPrivileges) filter();
  const { uid, gid, additionalGids } = input.user;
  p.call("setgroups", SYS.setgroups, [additionalGids.length, new Uint8Array(Uint32Array.from(additionalGids).buffer)]);
  p.call(`setresgid ${gid}`, SYS.setresgid, [gid, gid, gid]);
  p.call(`setresuid ${uid}`, SYS.setresuid, [uid, uid, uid]);

  if (input.ttyFd !== undefined) {
    p.call("setsid", SYS.setsid, []);
    p.call("set controlling terminal", SYS.ioctl, [input.ttyFd, TIOCSCTTY, 0]);
    for (const fd of [0, 1, 2]) p.call(`dup2 tty to ${fd}`, SYS.dup2, [input.ttyFd, fd]);
  }
  defaultSignalsCalls(p);
  p.call("umask 022", SYS.umask, [0o022]);
  p.call("close berth's fds on exec", SYS.close_range, [3 + (input.keepFds ?? 0), 0xffffffff, CLOSE_RANGE_CLOEXEC], { ignoreFailure: true });
  if (filter && input.noNewPrivileges) filter();
  p.call("exec", SYS.execve, [input.execPath, p.strings(input.args), p.strings(input.env)]);
  p.call("exit", SYS.exit_group, [127]);
}
