/**
 * An OCI config as the init stub's setup program — the runtime layer, spec → process, for `berth-runc` and
 * for berth's own containers alike (the engine writes its containers' configs: container/oci_spec.ts).
 * Namespaces (joined by path or new), the mounts in the config's order, default devices, masked and
 * read-only paths, pivot_root, hostname, sysctl, rlimits, oom_score_adj; then, for an OCI `create`, the
 * stub reports "created" and waits for `start` (SIGUSR1); then the process's own setup and its execve.
 *
 * Every path inside the rootfs is opened inside it (openat2 RESOLVE_IN_ROOT from the rootfs as working
 * directory) at the moment of its use and reached through that fd: a symlink in an image never leads a
 * mount, a device node or a mask to a host path.
 */
import { inUserNamespace } from "../ffi/namespaces.ts";
import { type InitProgram, type Label, SIG_BLOCK, SYS, USR1_SET } from "./init_program.ts";
import { processCalls } from "./process_calls.ts";
import { CREATED_REPORT, MOUNTED_REPORT, USERNS_REPORT } from "./spawn_init.ts";
import type { ProcessUser } from "../container/user.ts";
import { isDirMode } from "../ffi/dir_fd.ts";
import { isDir, statLite } from "../ffi/sys.ts";
import { statInRoot, withRootFd } from "../container/path_in_root.ts";
import type { OciConfig, OciMount } from "./oci_config.ts";
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SLAVE, parseMountOptions } from "./mount_options.ts";

export const CLONE_FLAGS: Record<string, number> = {
  mount: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  network: 0x40000000,
  pid: 0x20000000,
  user: 0x10000000,
  time: 0x80,
};

const O_WRONLY = 1, O_CREAT = 0o100, O_EXCL = 0o200, O_CLOEXEC = 0o2000000, O_DIRECTORY = 0o200000, O_PATH = 0o10000000;
const RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_IN_ROOT = 0x10, AT_FDCWD = -100, MNT_DETACH = 2;
const SIOCSIFFLAGS = 0x8914;
/** the fd a path opened in the rootfs is moved to, so that the next call can name it (/proc/self/fd/N) */
const SLOT = 250;

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5, RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10, RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

/** The devices every container gets (runc's list), made in its /dev. */
const DEFAULT_DEVICES: Array<[string, number, number]> = [["null", 1, 3], ["zero", 1, 5], ["full", 1, 7], ["random", 1, 8], ["urandom", 1, 9], ["tty", 5, 0]];
const DEV_LINKS: Array<[string, string]> = [["/proc/self/fd", "fd"], ["/proc/self/fd/0", "stdin"], ["/proc/self/fd/1", "stdout"], ["/proc/self/fd/2", "stderr"], ["/proc/kcore", "core"], ["pts/ptmx", "ptmx"]];

export interface OciSetupInput {
  config: OciConfig;
  /** the rootfs on the host */
  rootfs: string;
  /** an OCI `create`: the report pipe's fd in the stub — it says "created" there, then waits for `start` */
  reportFd?: number;
  /** with `reportFd`: also say "mounted" before pivot_root and wait (the createContainer hooks run meanwhile) */
  pauseBeforePivot?: boolean;
  /** the command's path in the container, PATH already searched */
  execPath: string;
  user: ProcessUser;
  env: string[];
  /** the terminal's follower end in the stub (fds 0–2 are it already) */
  ttyFd?: number;
  /** host path of the terminal's follower end, bound on /dev/console */
  consolePath?: string;
  /** whether a bind mount's source is a file (its mount point is then a file) */
  isFileSource: (m: OciMount) => boolean;
  /** kinds of paths in the rootfs, found before (for masks: a file gets /dev/null, a directory a tmpfs) */
  kindOf: (path: string) => "file" | "dir" | null;
  capabilities: number[];
  lastCap: number;
  seccomp?: Uint8Array;
  cgroupVersion: 1 | 2;
  cgroupV1Controllers: string[];
  /** fds 3 … 3+N-1 stay open into the container (`--preserve-fds`) */
  keepFds: number;
  /** with a new user and PID namespace: where the stub that forked the container's pid 1 goes on */
  forkParent?: Label;
  /** a user namespace without a network namespace of its own: /sys is bound from the host, not mounted */
  sysfsByBind?: boolean;
  /** the process is in a user namespace — the container's own, or the one berth runs in for an ordinary user */
  inUserNamespace?: boolean;
}

/** oom_score_adj and rlimits, set on the process itself (inherited by its children and across execve). */
function processLimitCalls(p: InitProgram, config: OciConfig): void {
  if (config.process?.oomScoreAdj !== undefined) {
    const v = String(config.process.oomScoreAdj);
    p.call("open oom_score_adj", SYS.open, ["/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC, 0]);
    p.call("write oom_score_adj", SYS.write, [null, v, v.length], { previousResult: true });
  }
  for (const r of config.process?.rlimits ?? []) {
    const limit = new BigUint64Array([BigInt.asUintN(64, BigInt(r.soft)), BigInt.asUintN(64, BigInt(r.hard))]);
    p.call(`set ${r.type}`, SYS.prlimit64, [0, RLIMITS[r.type], new Uint8Array(limit.buffer), null]);
  }
}

/**
 * The whole program of a container's first process from its config: namespaces, then the setup; with a
 * forked pid 1 (a new user namespace), the parent's part at the end — it waits for `create`'s signal, then exits.
 */
export function ociProgram(p: InitProgram, input: OciSetupInput): void {
  const userns = newUserNamespace(input.config);
  const forkParent = userns?.pid ? p.label() : undefined;
  ociNamespaceCalls(p, input.config, { reportFd: input.reportFd, forkParent });
  const ownNet = input.config.linux?.namespaces?.some((n) => n.type === "network" && !n.path);
  const inUserns = !!userns || inUserNamespace();
  ociSetupProgram(p, { ...input, forkParent, inUserNamespace: inUserns, sysfsByBind: inUserns && !ownNet });
  if (forkParent) {
    p.mark(forkParent);
    p.call("wait to be let go", SYS.rt_sigtimedwait, [USR1_SET, null, null, 8]);
    p.call("exit", SYS.exit_group, [0]);
  }
}

/** Whether the config asks for a new user namespace (and a new PID namespace, made inside it). */
export function newUserNamespace(config: OciConfig): { pid: boolean } | undefined {
  const ns = config.linux?.namespaces ?? [];
  const user = ns.find((n) => n.type === "user");
  if (!user || user.path) return undefined;
  const pid = ns.find((n) => n.type === "pid");
  return { pid: !!pid && !pid.path };
}

/**
 * Namespaces: those with a path are joined, the others made new (pid is done at the spawn). With a new user
 * namespace, the stub first sets the process's oom_score_adj and rlimits (raising them takes the host's
 * capabilities), makes the user namespace and waits while `create` writes its uid and gid maps; then, for a
 * PID namespace owned by it, it makes that namespace and forks: the child is the container's pid 1 and goes
 * on, the parent jumps to `forkParent`, where it waits to be told to exit. The other namespaces are made
 * after that, so the user namespace owns them.
 */
export function ociNamespaceCalls(p: InitProgram, config: OciConfig, input?: Pick<OciSetupInput, "reportFd" | "forkParent">): void {
  const userns = newUserNamespace(config);
  if (userns) {
    if (input?.reportFd === undefined) throw new Error("a user namespace needs the report pipe");
    processLimitCalls(p, config);
    p.call("block the go-ahead signal", SYS.rt_sigprocmask, [SIG_BLOCK, USR1_SET, null, 8]);
    p.call("unshare the user namespace", SYS.unshare, [CLONE_FLAGS.user]);
    p.call("report the user namespace", SYS.write, [input.reportFd, USERNS_REPORT, USERNS_REPORT.length]);
    p.call("wait for the uid and gid maps", SYS.rt_sigtimedwait, [USR1_SET, null, null, 8]);
    // the namespace's root from here (the host's root is not mapped in it: files it made would fail EOVERFLOW)
    p.call("setresgid 0 in the user namespace", SYS.setresgid, [0, 0, 0]);
    p.call("setresuid 0 in the user namespace", SYS.setresuid, [0, 0, 0]);
    if (userns.pid) {
      p.call("unshare the pid namespace", SYS.unshare, [CLONE_FLAGS.pid]);
      p.call("fork the container's pid 1", SYS.fork, []);
      p.jumpUnlessZero(input.forkParent!);
    }
  }
  let flags = 0;
  for (const ns of config.linux?.namespaces ?? []) {
    if (ns.type === "pid" || (ns.type === "user" && userns)) continue;
    if (ns.path) {
      p.call(`open ${ns.path}`, SYS.open, [ns.path, O_CLOEXEC, 0]);
      p.call(`join the ${ns.type} namespace ${ns.path}`, SYS.setns, [null, CLONE_FLAGS[ns.type]], { previousResult: true });
    } else flags |= CLONE_FLAGS[ns.type];
  }
  if (flags) p.call("unshare namespaces", SYS.unshare, [flags]);
  const hasUts = config.linux?.namespaces?.some((n) => n.type === "uts" && !n.path);
  if (hasUts && config.hostname) {
    const name = new TextEncoder().encode(config.hostname);
    p.call("sethostname", SYS.sethostname, [name, name.length]);
  }
  if (flags & CLONE_FLAGS.network) {
    // a new network namespace's loopback up, as runc does: struct ifreq { "lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING }
    const ifreq = new Uint8Array(40);
    ifreq.set([0x6c, 0x6f]);
    new DataView(ifreq.buffer).setInt16(16, 0x1 | 0x8 | 0x40, true);
    p.call("socket for lo", SYS.socket, [2 /* AF_INET */, 2 /* SOCK_DGRAM */ | O_CLOEXEC, 0]);
    p.call("bring lo up", SYS.ioctl, [null, SIOCSIFFLAGS, ifreq], { previousResult: true });
  }
}

/** Whether an OCI mount is a bind mount (by type, or by a `bind`/`rbind` option, as runc reads it). */
export function isBindMount(m: OciMount): boolean {
  return m.type === "bind" || (m.options ?? []).some((o) => o === "bind" || o === "rbind");
}

/**
 * What the setup program must know of paths before it runs (it cannot branch): whether a bind mount's
 * source is a file (its mount point is made a file), and what a masked path is — in /proc and /sys as the
 * host's kernel has it, elsewhere as the rootfs has it (walked inside the rootfs, links not followed out).
 */
export function probePaths(rootfs: string): Pick<OciSetupInput, "isFileSource" | "kindOf"> {
  // statLite: Deno.statSync's NotFound costs ~0.2 ms to build, and several masked paths are missing on most kernels
  const isFileSource = (m: OciMount) => {
    const st = m.source && isBindMount(m) ? statLite(m.source) : null;
    return !!st && !isDir(st);
  };
  const kindOf = (path: string): "file" | "dir" | null => {
    if (/^\/(proc|sys)(\/|$)/.test(path)) {
      const st = statLite(path);
      return st ? (isDir(st) ? "dir" : "file") : null;
    }
    const st = withRootFd(rootfs, (fd) => statInRoot(fd, path));
    return st ? (isDirMode(st.mode) ? "dir" : "file") : null;
  };
  return { isFileSource, kindOf };
}

/** The rest of the setup, up to the wait for `start`, then the process's own setup and execve. */
export function ociSetupProgram(p: InitProgram, input: OciSetupInput): void {
  const { config, rootfs } = input;
  const propagation = parseMountOptions([config.linux?.rootfsPropagation ?? "rslave"]).propagation[0] ?? (MS_SLAVE | MS_REC);
  p.call("make mounts private to the container", SYS.mount, [null, "/", null, propagation, null]);
  p.call("bind the rootfs onto itself", SYS.mount, [rootfs, rootfs, null, MS_BIND | MS_REC, null]);

  // the rootfs as the host names it until pivot_root, "/" after (one copy in the program's data)
  const cstring = (path: string) => p.bytes(new TextEncoder().encode(`${path}\0`));
  let baseRef = cstring(rootfs);
  /** opens `path` inside the rootfs and moves the fd to SLOT; returns the magic link naming it */
  // struct open_how { flags, mode, resolve }, once each in the program's data (dozens of opens share them)
  const openHow = (flags: number) => {
    const how = new Uint32Array([flags, 0, 0, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, 0]);
    return p.bytes(new Uint8Array(how.buffer));
  };
  const howFile = openHow(O_PATH | O_CLOEXEC), howDir = openHow(O_PATH | O_CLOEXEC | O_DIRECTORY);
  const open = (path: string, dir = false): string => {
    p.call("chdir rootfs", SYS.chdir, [baseRef]);
    p.call(`open ${path} in the rootfs`, SYS.openat2, [AT_FDCWD, path.replace(/^\/+/, "") || ".", dir ? howDir : howFile, 24]);
    p.call(`hold ${path}`, SYS.dup2, [null, SLOT], { previousResult: true });
    return `/proc/self/fd/${SLOT}`;
  };
  /** enters the directory `path` of the rootfs (for calls relative to it) */
  const enter = (path: string) => {
    const target = open(path, true);
    p.call(`enter ${path}`, SYS.chdir, [target]);
  };
  const mountAt = (what: string, path: string, src: string | null, fstype: string | null, flags: number, data: string | null, ignoreFailure = false) => {
    const target = open(path);
    p.call(what, SYS.mount, [src, target, fstype, flags, data], { ignoreFailure });
  };

  /** makes `path` in the rootfs if it is missing (after the mounts before it, as they may hold it), a file or a directory */
  const ensure = (path: string, file: boolean) => {
    const parts = path.split("/").filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      enter(`/${parts.slice(0, i).join("/")}`);
      // neither follows a symlink in the last place: a link planted there fails the mount that follows instead
      if (file && i === parts.length - 1) p.call(`create ${path}`, SYS.open, [parts[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644], { ignoreFailure: true });
      else p.call(`mkdir /${parts.slice(0, i + 1).join("/")}`, SYS.mkdir, [parts[i], 0o755], { ignoreFailure: true });
    }
  };
  for (const m of config.mounts ?? []) {
    ensure(m.destination, input.isFileSource(m));
    mountCalls(p, m, input, mountAt, enter);
  }

  // default devices, then the config's, in the container's /dev (opened inside the rootfs)
  enter("/dev");
  p.call("umask", SYS.umask, [0]);
  // in a user namespace (the container's own, or the one berth itself runs in for an ordinary user) mknod is
  // refused: the host's nodes are bound onto empty files instead (runc's way)
  const userns = input.inUserNamespace ?? (!!newUserNamespace(config) || inUserNamespace());
  const bindDevice = (path: string) => {
    const slash = path.lastIndexOf("/");
    enter(path.slice(0, slash) || "/");
    p.call(`create ${path}`, SYS.open, [path.slice(slash + 1), O_CREAT | O_WRONLY | O_CLOEXEC, 0o600], { ignoreFailure: true });
    mountAt(`bind ${path}`, path, path, null, MS_BIND, null);
  };
  for (const [name, major, minor] of DEFAULT_DEVICES) {
    if (userns) bindDevice(`/dev/${name}`);
    else p.call(`mknod /dev/${name}`, SYS.mknod, [name, 0o020000 | 0o666, (major << 8) | minor], { ignoreFailure: true });
  }
  if (userns) enter("/dev");
  for (const [target, name] of DEV_LINKS) p.call(`symlink /dev/${name}`, SYS.symlink, [target, name], { ignoreFailure: true });
  for (const d of config.linux?.devices ?? []) {
    const slash = d.path.lastIndexOf("/");
    if (slash > 0) ensure(d.path.slice(0, slash), false); // /dev/net for /dev/net/tun
    if (userns) {
      bindDevice(d.path);
      continue;
    }
    enter(d.path.slice(0, slash) || "/");
    const type = d.type === "b" ? 0o060000 : d.type === "p" ? 0o010000 : 0o020000;
    const major = d.major ?? 0, minor = d.minor ?? 0;
    const dev = ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);
    p.call(`mknod ${d.path}`, SYS.mknod, [d.path.slice(slash + 1), type | ((d.fileMode ?? 0o666) & 0o7777), dev]);
  }
  if (input.consolePath) {
    enter("/dev");
    p.call("create /dev/console", SYS.open, ["console", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600], { ignoreFailure: true });
    mountAt("mount /dev/console", "/dev/console", input.consolePath, null, MS_BIND, null);
  }

  if (config.root?.readonly) p.call("read-only rootfs", SYS.mount, [null, rootfs, null, MS_REMOUNT | MS_BIND | MS_RDONLY, null]);

  if (!newUserNamespace(config)) processLimitCalls(p, config);

  if (input.reportFd !== undefined) {
    // blocked from here on, so that no SIGUSR1 (this go-ahead or `start`'s) is lost before its wait
    p.call("block the start signal", SYS.rt_sigprocmask, [SIG_BLOCK, USR1_SET, null, 8]);
    if (input.pauseBeforePivot) {
      p.call("report mounted", SYS.write, [input.reportFd, MOUNTED_REPORT, MOUNTED_REPORT.length]);
      p.call("wait for the createContainer hooks", SYS.rt_sigtimedwait, [USR1_SET, null, null, 8]);
    }
  }

  p.call("chdir rootfs", SYS.chdir, [rootfs]);
  p.call("pivot_root", SYS.pivot_root, [".", "."]);
  p.call("detach the host's root", SYS.umount2, [".", MNT_DETACH]);
  p.call("chdir /", SYS.chdir, ["/"]);
  baseRef = cstring("/");
  // runc's order: sysctls, then read-only and masked paths (a read-only /proc/sys would refuse the sysctls)
  for (const [key, value] of Object.entries(config.linux?.sysctl ?? {})) {
    const path = `/proc/sys/${key.replace(/\./g, "/")}`;
    p.call(`open ${path}`, SYS.open, [path, O_WRONLY | O_CLOEXEC, 0]);
    p.call(`sysctl ${key}=${value}`, SYS.write, [null, value, new TextEncoder().encode(value).length], { previousResult: true });
  }
  for (const path of config.linux?.readonlyPaths ?? []) {
    if (!input.kindOf(path)) continue;
    const fd = open(path);
    p.call(`bind ${path}`, SYS.mount, [fd, fd, null, MS_BIND | MS_REC, null], { ignoreFailure: true });
    mountAt(`read-only ${path}`, path, null, null, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, null, true);
  }
  for (const path of config.linux?.maskedPaths ?? []) {
    const k = input.kindOf(path);
    if (k === "file") mountAt(`mask ${path}`, path, "/dev/null", null, MS_BIND, null, true);
    else if (k === "dir") mountAt(`mask ${path}`, path, "tmpfs", "tmpfs", MS_RDONLY, null, true);
  }
  p.call(`chdir ${config.process!.cwd}`, SYS.chdir, [config.process!.cwd]);

  if (input.reportFd !== undefined) {
    // created: tell `create`, then wait for `start`'s SIGUSR1
    p.call("report created", SYS.write, [input.reportFd, CREATED_REPORT, CREATED_REPORT.length]);
    p.call("wait for start", SYS.rt_sigtimedwait, [USR1_SET, null, null, 8]);
  }

  processCalls(p, {
    capabilities: input.capabilities,
    lastCap: input.lastCap,
    noNewPrivileges: !!config.process?.noNewPrivileges,
    seccomp: input.seccomp,
    user: input.user,
    ttyFd: input.ttyFd,
    execPath: input.execPath,
    args: config.process!.args,
    env: input.env,
    keepFds: input.keepFds,
  });
}

type MountAt = (what: string, path: string, src: string | null, fstype: string | null, flags: number, data: string | null, ignoreFailure?: boolean) => void;

/** One OCI mount: bind (then a remount for its flags), cgroup (the host's hierarchy version), or a filesystem. */
function mountCalls(p: InitProgram, m: OciMount, input: OciSetupInput, mountAt: MountAt, enter: (path: string) => void): void {
  const o = parseMountOptions(m.options);
  const what = `mount ${m.destination}`;
  const bind = m.type === "bind" || (o.flags & MS_BIND) !== 0;
  if (bind) {
    mountAt(what, m.destination, m.source ?? "", null, MS_BIND | (o.flags & MS_REC), null);
    const rest = o.flags & ~(MS_BIND | MS_REC);
    if (rest) mountAt(`${what} (${m.options?.join(",")})`, m.destination, null, null, MS_REMOUNT | MS_BIND | rest, null);
  } else if (m.type === "sysfs" && input.sysfsByBind) {
    // sysfs can only be mounted by the owner of the network namespace: else the host's, bound read-only
    mountAt(what, m.destination, "/sys", null, MS_BIND | MS_REC, null);
    mountAt(`${what} read-only`, m.destination, null, null, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
  } else if (m.type === "cgroup" || m.type === "cgroup2") {
    const flags = o.flags | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (input.cgroupVersion === 2) mountAt(what, m.destination, "cgroup2", "cgroup2", flags, null);
    else {
      mountAt(what, m.destination, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
      enter(m.destination);
      for (const c of input.cgroupV1Controllers) p.call(`mkdir ${m.destination}/${c}`, SYS.mkdir, [c, 0o755], { ignoreFailure: true });
      for (const c of input.cgroupV1Controllers) mountAt(`mount ${m.destination}/${c}`, `${m.destination}/${c}`, "cgroup", "cgroup", flags, c, true);
      if (o.flags & MS_RDONLY) mountAt(`read-only ${m.destination}`, m.destination, null, null, MS_REMOUNT | MS_BIND | MS_RDONLY, null);
    }
  } else {
    mountAt(what, m.destination, m.source ?? m.type ?? "none", m.type ?? null, o.flags, o.data || null);
  }
  for (const prop of o.propagation) mountAt(`propagation of ${m.destination}`, m.destination, null, null, prop, null);
}
