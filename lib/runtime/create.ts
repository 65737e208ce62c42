/**
 * OCI `create`: everything but the user program's execve. The container's process is the init stub
 * (pid 1 of its new PID namespace, or in the one the config names), set up from the config and then
 * waiting for `start`; `create` writes the state and the pid file, runs the prestart and createRuntime
 * hooks, hands the terminal to the console socket, and exits — leaving no berth process between the
 * caller (a subreaper shim, conmon) and the container.
 */
import { BerthError, messageOf } from "../util/errors.ts";
import { join } from "../util/path.ts";
import { writeFileAtomicSync } from "../util/atomic_write.ts";
import { closeFd, prctl } from "../ffi/fd.ts";
import { sendFd } from "../ffi/scm_rights.ts";
import { CAP_NAMES, lastCapability } from "../container/capabilities.ts";
import { CgroupV1 } from "../container/cgroups/v1.ts";
import { resolveExecutable } from "../container/exec_path.ts";
import { mkdirInRoot, touchInRoot } from "../container/path_in_root.ts";
import { joinCgroup, type JoinableNamespace } from "./process_calls.ts";
import { runHooksInContainer } from "./hooks_in_container.ts";
import { forkedChild, SetupError, spawnInit } from "./spawn_init.ts";
import { waitProcess } from "../ffi/spawn.ts";
import { openTtyIn } from "../container/tty.ts";
import { compileFilter } from "../container/seccomp/compile.ts";
import { parseProfile, resolveProfile } from "../container/seccomp/profile.ts";
import { type OciConfig, readBundle } from "./oci_config.ts";
import { cgroupPathOf, limitsOf, ociCgroup } from "./oci_cgroup.ts";
import { isBindMount, newUserNamespace, ociProgram, probePaths } from "./oci_setup.ts";
import { runHooks } from "./hooks.ts";
import { checkId, processStartTime, readState, type RuntimeState, stateDir, writeState } from "./runtime_state.ts";
import { ociState } from "./operations.ts";

export interface CreateOptions {
  /** the runtime's state root (runc's --root) */
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** fds 3 … 3+N-1 pass to the container */
  preserveFds?: number;
  systemdCgroup?: boolean;
  /** wait for the process (`run` in the foreground); otherwise its caller, a subreaper, reaps it */
  reap?: boolean;
  /** `run` in the foreground with a terminal and no console socket: keep the terminal's leader end (`Created.tty`) */
  relayTerminal?: boolean;
}

/** The capability numbers of a list of names (`CAP_SYS_ADMIN`); an unknown name is an error. */
export function capabilityNumbers(names: string[] | undefined): number[] {
  return (names ?? []).map((n) => {
    const i = (CAP_NAMES as readonly string[]).indexOf(n.replace(/^CAP_/, ""));
    if (i < 0) throw new BerthError(`config.json: process.capabilities: unknown capability ${n}`, 1);
    return i;
  });
}

export function seccompOf(config: OciConfig, caps: number[]): Uint8Array | undefined {
  const s = config.linux?.seccomp;
  if (!s) return undefined;
  const profile = parseProfile(JSON.stringify(s), "config.json linux.seccomp");
  return compileFilter(resolveProfile(profile, { capabilities: caps.map((c) => `CAP_${CAP_NAMES[c]}`), kernel: Deno.osRelease() }));
}

function checkSupported(config: OciConfig): void {
  const ns = config.linux?.namespaces ?? [];
  const user = ns.find((n) => n.type === "user");
  if (user && !user.path) {
    if (!ns.some((n) => n.type === "pid" && !n.path)) throw new BerthError("config.json: linux.namespaces: a new user namespace needs a new pid namespace too (/proc is mounted from it)", 1);
    if (!config.linux?.uidMappings?.length || !config.linux?.gidMappings?.length) throw new BerthError("config.json: linux.uidMappings and linux.gidMappings: a user namespace needs both", 1);
  }
  const mnt = ns.find((n) => n.type === "mount");
  if (!mnt) throw new BerthError("config.json: linux.namespaces: berth's runtime needs a mount namespace (the rootfs is pivoted into it)", 1);
  if (mnt.path) throw new BerthError("config.json: linux.namespaces: joining a mount namespace by path is not supported", 1);
}

export interface Created {
  state: RuntimeState;
  /** the container process's exit (this process is its parent until it exits) */
  exited: Promise<{ code: number; signal: number | null }>;
  /** with `relayTerminal`: the terminal's leader end, the caller's to relay and close */
  tty?: number;
}

export async function ociCreate(opts: CreateOptions): Promise<Created> {
  checkId(opts.id);
  const { config, rootfs, bundle } = readBundle(opts.bundle);
  checkSupported(config);
  const process = config.process!;
  if (process.terminal && !opts.consoleSocket && !opts.relayTerminal) throw new BerthError("cannot allocate tty if runc will detach without setting console socket", 1);
  if (!process.terminal && opts.consoleSocket) throw new BerthError("cannot use console socket if runc will not detach or allocate tty", 1);
  if (readState(opts.root, opts.id)) throw new BerthError(`container with id exists: ${opts.id}`, 1);
  const dir = stateDir(opts.root, opts.id);
  Deno.mkdirSync(opts.root, { recursive: true, mode: 0o700 });
  try {
    Deno.mkdirSync(dir, { mode: 0o711 });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) throw new BerthError(`container with id exists: ${opts.id}`, 1);
    throw err;
  }

  const cgroupPath = cgroupPathOf(config.linux?.cgroupsPath, opts.id, !!opts.systemdCgroup);
  const cgroup = ociCgroup(cgroupPath);
  let tty: { master: number; slave: number; slavePath: string } | undefined;
  let init: ReturnType<typeof spawnInit> | undefined;
  let forked: number | undefined; // with a new user namespace: the container's pid 1, the stub's child
  try {
    const caps = capabilityNumbers(process.capabilities?.bounding);
    const seccomp = seccompOf(config, caps);
    const env = process.env ?? [];
    const user = { uid: process.user.uid, gid: process.user.gid, additionalGids: process.user.additionalGids ?? [], home: "/" };
    const { isFileSource, kindOf } = probePaths(rootfs);
    // mount points made in the rootfs first, walked inside it: a link to a missing path (even an absolute one
    // naming a host directory) gets its target made inside the rootfs, as runc does; those under another
    // mount of the config (/dev/pts under /dev) are made by the setup program, in that mount
    const made: string[] = [];
    for (const m of config.mounts ?? []) {
      const d = m.destination.replace(/\/+$/, "") || "/";
      if (!made.some((p) => d === p || d.startsWith(`${p}/`))) {
        if (isFileSource(m)) touchInRoot(rootfs, d);
        else mkdirInRoot(rootfs, d);
      }
      made.push(d);
    }
    const binds = (config.mounts ?? []).filter(isBindMount);
    mkdirInRoot(rootfs, process.cwd);
    const execPath = resolveExecutable(rootfs, process.args[0], env, process.cwd, binds.filter((m) => !isFileSource(m)).map((m) => ({ destination: m.destination, source: m.source! })));

    cgroup.create(limitsOf(config.linux?.resources));
    if (process.terminal) tty = openTtyIn("/dev/pts");
    const pidNs = config.linux?.namespaces?.find((n) => n.type === "pid");
    const namespaces = (config.linux?.namespaces ?? []).map((n) => n.type).filter((t): t is JoinableNamespace => t !== "pid" && t !== "time");
    // a new user namespace: the stub makes it, then the PID namespace, and forks the container's pid 1
    const userns = newUserNamespace(config);
    /** the container's process: the stub, or the child it forked */
    const containerPid = (): number => {
      if (!userns?.pid) return init!.pid;
      if (forked) return forked;
      forked = forkedChild(init!.pid);
      if (!forked) throw new BerthError("container init: its forked process is missing", 1);
      return forked;
    };
    const writeMaps = (pid: number) => {
      const lines = (m: Array<{ containerID: number; hostID: number; size: number }>) => m.map((e) => `${e.containerID} ${e.hostID} ${e.size}`).join("\n") + "\n";
      Deno.writeTextFileSync(`/proc/${pid}/uid_map`, lines(config.linux!.uidMappings!));
      Deno.writeTextFileSync(`/proc/${pid}/gid_map`, lines(config.linux!.gidMappings!));
    };
    // a foreground run waits for the forked pid 1 as its subreaper (it is the stub's child, not ours)
    if (userns?.pid && opts.reap) prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1);
    const hooks = config.hooks ?? {};
    // the state as hooks see it before the container is created (runc's "creating")
    const creating = (pid: number): RuntimeState => ({
      id: opts.id, pid, startTime: processStartTime(pid) ?? 0, bundle, rootfs, created: new Date().toISOString(),
      annotations: config.annotations ?? {}, cgroupPath, hooks: config.hooks, owner: "",
    });
    const preStart = !!(hooks.prestart?.length || hooks.createRuntime?.length || hooks.createContainer?.length);
    // spec order: prestart and createRuntime in the runtime's namespaces, then createContainer in the
    // container's — all after its mounts and before pivot_root, while the stub waits
    const onReport = async (report: "mounted" | "userns") => {
      if (report === "userns") {
        writeMaps(init!.pid);
        Deno.kill(init!.pid, "SIGUSR1");
        return;
      }
      const pid = containerPid();
      const state = ociState(creating(pid), "creating");
      await runHooks("prestart", hooks.prestart, state);
      await runHooks("createRuntime", hooks.createRuntime, state);
      await runHooksInContainer("createContainer", hooks.createContainer, state, { pid, namespaces, pidNamespace: !!pidNs, procsFiles: cgroup.procsFiles }, "runtime");
      Deno.kill(pid, "SIGUSR1");
    };
    init = spawnInit(
      (p) => joinCgroup(p, cgroup.procsFiles, false),
      tty ? { 0: tty.slave, 1: tty.slave, 2: tty.slave } : {},
      userns?.pid ? "inherit" : pidNs ? pidNs.path ?? "new" : "inherit",
      true,
      !!opts.reap,
      preStart || userns ? onReport : undefined,
    );
    // nothing in the container may open this process's binary through /proc
    prctl(4 /* PR_SET_DUMPABLE */, 0);
    const reportFd = init.reportFd;
    init.start((p) => {
      ociProgram(p, {
        config,
        rootfs,
        reportFd,
        pauseBeforePivot: preStart,
        execPath,
        user,
        env,
        ttyFd: tty ? 0 : undefined,
        consolePath: tty?.slavePath,
        isFileSource,
        kindOf,
        capabilities: caps,
        lastCap: lastCapability(),
        seccomp,
        cgroupVersion: cgroup.version,
        cgroupV1Controllers: cgroup instanceof CgroupV1 ? cgroup.hierarchies : [],
        keepFds: opts.preserveFds ?? 0,
      });
    });
    await init.ready;
    const pid = containerPid();
    const startTime = processStartTime(pid);
    if (startTime === undefined) throw new BerthError("container init exited during setup", 1);
    let exited = init.exited;
    if (forked) {
      // the stub that forked it exits now; the container's pid 1 goes to the caller's subreaper (or to us)
      Deno.kill(init.pid, "SIGUSR1");
      if (opts.reap) exited = init.exited.then(() => waitProcess(pid));
    }
    const state: RuntimeState = {
      id: opts.id,
      pid,
      startTime,
      bundle,
      rootfs,
      created: new Date().toISOString(),
      annotations: config.annotations ?? {},
      cgroupPath,
      hooks: config.hooks,
      namespaces,
      pidNamespace: !!pidNs,
      owner: "",
    };
    writeState(opts.root, state);
    if (opts.pidFile) writeFileAtomicSync(opts.pidFile.startsWith("/") ? opts.pidFile : join(Deno.cwd(), opts.pidFile), String(pid), 0o644);
    if (tty && opts.consoleSocket) sendFd(opts.consoleSocket, tty.master);
    const kept = tty && !opts.consoleSocket ? tty.master : undefined;
    if (kept !== undefined) tty!.master = -1; // not closed below
    return { state, exited, tty: kept };
  } catch (err) {
    if (forked) {
      try {
        Deno.kill(forked, "SIGKILL");
      } catch { /* gone */ }
    }
    init?.abort();
    if (init && opts.reap) await init.exited.catch(() => {});
    await cgroup.destroy().catch(() => {});
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* gone */ }
    if (err instanceof SetupError) throw new BerthError(`container setup failed: ${err.message}`, 1);
    if (err instanceof BerthError) throw err;
    throw new BerthError(messageOf(err), 1);
  } finally {
    if (tty) {
      if (tty.master >= 0) closeFd(tty.master);
      closeFd(tty.slave);
    }
  }
}
