/**
 * The container's setup as a program for the init stub: join the cgroup, new namespaces, the
 * filesystem (proc, sys, dev, volumes, masked and read-only paths, pivot_root), hostname,
 * capabilities, user, terminal, signals, and finally execve of the command. Runs inside the stub,
 * which is pid 1 of the container's new PID namespace, so /proc can be mounted from there.
 */
import { type InitProgram, SYS } from "./init_program.ts";
import type { ContainerSpec } from "./spec.ts";
import type { ProcessUser } from "./user.ts";

const CLONE_NEWNS = 0x00020000;
const CLONE_NEWCGROUP = 0x02000000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWNET = 0x40000000;
const MS_RDONLY = 0x1;
const MS_NOSUID = 0x2;
const MS_NODEV = 0x4;
const MS_NOEXEC = 0x8;
const MS_REMOUNT = 0x20;
const MS_BIND = 0x1000;
const MS_REC = 0x4000;
const MS_SLAVE = 0x80000;
const MS_STRICTATIME = 1 << 24;
const MNT_DETACH = 2;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_CLOEXEC = 0o2000000;
const O_DIRECTORY = 0o200000;
const O_PATH = 0o10000000;
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_IN_ROOT = 0x10;
const AT_FDCWD = -100;
const KEYCTL_JOIN_SESSION_KEYRING = 1;
const PR_SET_PDEATHSIG = 1;
const PR_CAPBSET_DROP = 24;
const PR_SET_NO_NEW_PRIVS = 38;
const TIOCSCTTY = 0x540e;
const SIOCSIFFLAGS = 0x8914;
const CLOSE_RANGE_CLOEXEC = 4;
const SECCOMP_SET_MODE_FILTER = 1;

/** Paths Docker hides from containers (unless --privileged). */
export const MASKED_PATHS = [
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
];
/** Paths Docker makes read-only in containers (unless --privileged). */
export const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

const DEVICES: [string, number, number][] = [
  ["null", 1, 3], ["zero", 1, 5], ["full", 1, 7], ["random", 1, 8], ["urandom", 1, 9], ["tty", 5, 0],
];
const DEV_LINKS: [string, string][] = [
  ["/proc/self/fd", "fd"], ["/proc/self/fd/0", "stdin"], ["/proc/self/fd/1", "stdout"],
  ["/proc/self/fd/2", "stderr"], ["/proc/kcore", "core"], ["pts/ptmx", "ptmx"],
];

/** A resolved mount: host source and host target (already inside the rootfs). */
export interface MountPlan {
  type: "bind" | "tmpfs";
  source: string;
  target: string;
  readOnly: boolean;
  data?: string;
  /** the path in the container */
  destination?: string;
}

export interface SetupInput {
  spec: ContainerSpec;
  /** the rootfs mount point on the host */
  rootfs: string;
  /** the command's path in the container, PATH already searched */
  execPath: string;
  /** the working directory in the container (exists) */
  cwd: string;
  user: ProcessUser;
  env: string[];
  /** bind mounts of /etc/hosts, /etc/hostname, /etc/resolv.conf and the user's volumes, in order */
  mounts: MountPlan[];
  /** -t: the pty's follower end (inherited fd) and the host path of the container's devpts mount */
  tty?: { fd: number; devpts: string; slavePath: string };
  lastCap: number;
  /** the compiled seccomp filter (absent: unconfined) */
  seccomp?: Uint8Array;
  cgroupVersion: 1 | 2;
  /** v1: the hierarchies to show in /sys/fs/cgroup (by mount option name, e.g. "memory") */
  cgroupV1Controllers: string[];
}

function kind(path: string): "file" | "dir" | null {
  try {
    return Deno.statSync(path).isDirectory ? "dir" : "file";
  } catch {
    return null;
  }
}

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

/**
 * New namespaces (after the cgroup join, so the cgroup namespace is rooted at the container's cgroup;
 * after the rootfs mount, which the new mount namespace must inherit), hostname, loopback up.
 * `netns` is a network namespace to join instead of a new one (a bridge network's, made by berth
 * with the container's eth0 in it, or another container's): a path the stub opens.
 */
export function namespaceCalls(p: InitProgram, spec: ContainerSpec, netns?: string): void {
  let flags = CLONE_NEWNS | CLONE_NEWCGROUP;
  if (spec.namespaces.uts === "private") flags |= CLONE_NEWUTS;
  if (spec.namespaces.ipc === "private") flags |= CLONE_NEWIPC;
  if (netns) {
    p.call(`open ${netns}`, SYS.open, [netns, 0o2000000 /* O_RDONLY|O_CLOEXEC */, 0]);
    p.call("join the network namespace", SYS.setns, [null, CLONE_NEWNET], { previousResult: true });
  } else if (spec.network !== "host") flags |= CLONE_NEWNET;
  p.call("unshare namespaces", SYS.unshare, [flags]);
  p.call("make mounts private to the container", SYS.mount, [null, "/", null, MS_REC | MS_SLAVE, null]);
  if (spec.namespaces.uts === "private") {
    const name = new TextEncoder().encode(spec.hostname);
    p.call("sethostname", SYS.sethostname, [name, name.length]);
  }
  if (spec.network !== "host" && !netns) {
    // struct ifreq { char name[16] = "lo"; short flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING; }
    const ifreq = new Uint8Array(40);
    ifreq.set([0x6c, 0x6f]);
    new DataView(ifreq.buffer).setInt16(16, 0x1 | 0x8 | 0x40, true);
    p.call("socket for lo", SYS.socket, [2 /* AF_INET */, 2 /* SOCK_DGRAM */ | O_CLOEXEC, 0]);
    p.call("bring lo up", SYS.ioctl, [null, SIOCSIFFLAGS, ifreq], { previousResult: true });
  }
}

/**
 * /sys/fs/cgroup as Docker shows it: read-only, rooted at the container's own cgroup (the cgroup
 * namespace does that). v2: one cgroup2 mount; v1: a tmpfs with one mount per hierarchy.
 */
function cgroupMounts(p: InitProgram, input: SetupInput): void {
  const base = `${input.rootfs}/sys/fs/cgroup`;
  const ro = input.spec.privileged ? 0 : MS_RDONLY;
  if (input.cgroupVersion === 2) {
    p.call("mount /sys/fs/cgroup", SYS.mount, ["cgroup2", base, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC | ro, null]);
    return;
  }
  p.call("mount /sys/fs/cgroup", SYS.mount, ["tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"]);
  for (const c of input.cgroupV1Controllers) {
    p.call(`mkdir /sys/fs/cgroup/${c}`, SYS.mkdir, [`${base}/${c}`, 0o755]);
    p.call(`mount /sys/fs/cgroup/${c}`, SYS.mount, ["cgroup", `${base}/${c}`, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC | ro, c], { ignoreFailure: true });
  }
  if (ro) p.call("read-only /sys/fs/cgroup", SYS.mount, [null, base, null, MS_REMOUNT | MS_BIND | MS_RDONLY, null]);
}

/** The rest: filesystem, identity, terminal, signals, execve. */
export function setupProgram(p: InitProgram, input: SetupInput): void {
  const { spec, rootfs } = input;
  const at = (path: string) => `${rootfs}${path}`;
  const mount = (what: string, src: string | null, target: string, fstype: string | null, flags: number, data: string | null = null, ignoreFailure = false) =>
    p.call(what, SYS.mount, [src, target, fstype, flags, data], { ignoreFailure });

  mount("mount /proc", "proc", at("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  mount("mount /sys", "sysfs", at("/sys"), "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | (spec.privileged ? 0 : MS_RDONLY));
  cgroupMounts(p, input);
  mount("mount /dev", "tmpfs", at("/dev"), "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  p.call("umask", SYS.umask, [0]);
  for (const [name, major, minor] of DEVICES) {
    p.call(`mknod /dev/${name}`, SYS.mknod, [at(`/dev/${name}`), 0o020000 | 0o666, (major << 8) | minor]);
  }
  for (const d of spec.devices ?? []) {
    // `--device`: its parent directories first (e.g. /dev/net for /dev/net/tun), then the node
    const parts = d.path.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) p.call(`mkdir for ${d.path}`, SYS.mkdir, [at(`/${parts.slice(0, i).join("/")}`), 0o755], { ignoreFailure: true });
    const dev = ((d.major & 0xfff) << 8) | (d.minor & 0xff) | ((d.minor & ~0xff) << 12);
    p.call(`mknod ${d.path}`, SYS.mknod, [at(d.path), (d.type === "c" ? 0o020000 : 0o060000) | d.mode, dev]);
  }
  p.call("mkdir /dev/pts", SYS.mkdir, [at("/dev/pts"), 0o755]);
  p.call("mkdir /dev/shm", SYS.mkdir, [at("/dev/shm"), 0o1777]);
  p.call("mkdir /dev/mqueue", SYS.mkdir, [at("/dev/mqueue"), 0o755]);
  if (input.tty) mount("mount /dev/pts", input.tty.devpts, at("/dev/pts"), null, MS_BIND);
  else mount("mount /dev/pts", "devpts", at("/dev/pts"), "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  mount("mount /dev/shm", "shm", at("/dev/shm"), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
  mount("mount /dev/mqueue", "mqueue", at("/dev/mqueue"), "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  for (const [target, name] of DEV_LINKS) p.call(`symlink /dev/${name}`, SYS.symlink, [target, at(`/dev/${name}`)]);
  if (input.tty) {
    p.call("create /dev/console", SYS.open, [at("/dev/console"), O_CREAT | O_WRONLY | O_CLOEXEC, 0o600]);
    mount("mount /dev/console", input.tty.slavePath, at("/dev/console"), null, MS_BIND);
  }

  // Volumes and bind mounts of directories: each target is opened inside the rootfs at the moment of its
  // mount (openat2 RESOLVE_IN_ROOT, from the rootfs as the working directory) and mounted onto as ".", the
  // working directory that fd became: a symlink planted meanwhile — say in a volume another running
  // container shares — is taken inside the rootfs, never followed to a path of the host's.
  const viaFd = (what: string, rel: string, mountArgs: [string | null, string | null, number, string | null]) => {
    const how = new BigUint64Array([BigInt(O_PATH | O_DIRECTORY | O_CLOEXEC), 0n, BigInt(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)]);
    p.call("chdir rootfs", SYS.chdir, [rootfs]);
    p.call(`open ${rel} in the rootfs`, SYS.openat2, [AT_FDCWD, rel.replace(/^\/+/, "") || ".", new Uint8Array(how.buffer), 24]);
    p.call(`enter ${rel}`, SYS.fchdir, [null], { previousResult: true });
    const [src, fstype, flags, data] = mountArgs;
    p.call(what, SYS.mount, [src, ".", fstype, flags, data]);
  };
  for (const m of input.mounts) {
    const rel = m.target.slice(rootfs.length) || "/";
    const what = `mount ${rel}`;
    if (m.type === "tmpfs") {
      viaFd(what, rel, ["tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | (m.readOnly ? MS_RDONLY : 0), m.data ?? null]);
      continue;
    }
    if (kind(m.source) === "dir") {
      viaFd(what, rel, [m.source, null, MS_BIND | MS_REC, null]);
      // opened again: the new fd names the mount just made, which is what a remount must reach
      if (m.readOnly) viaFd(`${what} read-only`, rel, [null, null, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, null]);
      continue;
    }
    // a file (/etc/hosts and friends, a bind-mounted file): by its path, resolved in the rootfs at prepare
    mount(what, m.source, m.target, null, MS_BIND | MS_REC);
    if (m.readOnly) mount(`${what} read-only`, null, m.target, null, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC);
  }

  if (!spec.privileged) {
    for (const path of MASKED_PATHS) {
      const k = kind(path); // the container sees this same kernel's /proc and /sys
      if (k === "file") mount(`mask ${path}`, at("/dev/null"), at(path), null, MS_BIND, null, true);
      else if (k === "dir") mount(`mask ${path}`, "tmpfs", at(path), "tmpfs", MS_RDONLY, null, true);
    }
    for (const path of READONLY_PATHS) {
      if (!kind(path)) continue;
      mount(`bind ${path}`, at(path), at(path), null, MS_BIND | MS_REC, null, true);
      mount(`read-only ${path}`, null, at(path), null, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, null, true);
    }
  }
  if (spec.readOnlyRootfs) mount("read-only rootfs", null, rootfs, null, MS_REMOUNT | MS_BIND | MS_RDONLY);

  p.call("chdir rootfs", SYS.chdir, [rootfs]);
  p.call("pivot_root", SYS.pivot_root, [".", "."]);
  p.call("detach the host's root", SYS.umount2, [".", MNT_DETACH]);
  p.call("chdir /", SYS.chdir, ["/"]);
  p.call(`chdir ${input.cwd}`, SYS.chdir, [input.cwd]);

  processCalls(p, {
    capabilities: spec.capabilities,
    lastCap: input.lastCap,
    noNewPrivileges: spec.noNewPrivileges,
    seccomp: input.seccomp,
    user: input.user,
    ttyFd: input.tty?.fd,
    execPath: input.execPath,
    args: spec.process.args,
    env: input.env,
  });
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
  const defaultAction = new Uint8Array(32); // struct sigaction { SIG_DFL, flags 0, no restorer, empty mask }
  for (let sig = 1; sig <= 64; sig++) {
    if (sig !== 9 && sig !== 19) {
      p.call(`reset signal ${sig}`, SYS.rt_sigaction, [sig, defaultAction, null, 8], { ignoreFailure: true });
    }
  }
  p.call("unblock signals", SYS.rt_sigprocmask, [2, new Uint8Array(8), null, 8]);
  p.call("umask 022", SYS.umask, [0o022]);
  p.call("close berth's fds on exec", SYS.close_range, [3 + (input.keepFds ?? 0), 0xffffffff, CLOSE_RANGE_CLOEXEC], { ignoreFailure: true });
  if (filter && input.noNewPrivileges) filter();
  p.call("exec", SYS.execve, [input.execPath, p.strings(input.args), p.strings(input.env)]);
  p.call("exit", SYS.exit_group, [127]);
}
