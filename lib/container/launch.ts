/**
 * Starting a container's process, shared by `berth run` (in the foreground), `berth start` and the
 * supervisor of detached containers: cgroup, the init stub (started first: its move into the cgroup
 * waits out an RCU grace period while berth does the rest), rootfs, user, mounts, the command's path,
 * then the stub's setup program; and, when the process exits, the teardown and the exit record.
 */
import type { InitProgram } from "../runtime/init_program.ts";
import { BerthError, messageOf, NotFoundError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { prestartHelperThreads, statLite } from "../ffi/sys.ts";
import { closeFd, dupFd, fdReadable, fdWritable, prctl } from "../ffi/fd.ts";
import { seccompFilter } from "./seccomp/setting.ts";
import { lastCapability } from "./capabilities.ts";
import { containerCgroup } from "./cgroups/cgroup.ts";
import { CgroupV1 } from "./cgroups/v1.ts";
import type { ResourceLimits } from "./cgroups/limits.ts";
import { teardown } from "./cleanup.ts";
import { writeEtcFiles } from "./etc_files.ts";
import { resolveExecutable } from "./exec_path.ts";
import { prepareMounts } from "./prepare_mounts.ts";
import { mountRootfs, unmountRootfs } from "./rootfs.ts";
import { joinCgroup } from "../runtime/process_calls.ts";
import { ociProgram, probePaths } from "../runtime/oci_setup.ts";
import { engineOciConfig } from "./oci_spec.ts";
import { type InitProcess, SetupError, spawnInit } from "../runtime/spawn_init.ts";
import type { ContainerSpec } from "./spec.ts";
import { type ContainerState, containerDir, lockContainerStart, readRecord, updateRecord } from "./state.ts";
import { attachEndpoint, detachEndpoint, type Endpoint, type EndpointState } from "./network/endpoint.ts";
import { peersAtStart, refreshNetworkHosts } from "./network/hosts.ts";
import { joinExtraNetworks } from "./network/connect.ts";
import { leaveNetworks } from "./network/leave.ts";
import { SLIRP, type SlirpNetwork, startSlirp } from "./network/slirp.ts";
import { DEFAULT_NETWORK } from "./network/networks.ts";
import { rootlessUser } from "../rootless/paths.ts";
import { containerStdio, type Stdio } from "./stdio.ts";
import { attachTty, openContainerTty, releaseHostSide, resizeTty } from "./tty.ts";
import { resolveUser } from "./user.ts";
import { logEvent } from "./events_log.ts";
import { openForegroundLog } from "./foreground_log.ts";
import { DOCKER_INIT_PATH } from "./docker_init.ts";
import type { LogConfig } from "./logs.ts";

export interface ExitResult {
  exitCode: number;
  oomKilled: boolean;
}

export interface RunningContainer {
  id: string;
  name: string;
  /** host pid of the container's first process */
  pid: number;
  stdin: WritableStream<Uint8Array> | null;
  stdout: ReadableStream<Uint8Array> | null;
  stderr: ReadableStream<Uint8Array> | null;
  /** a detached -t container: sets its terminal's size */
  resize?: (columns: number, rows: number) => void;
  /** resolves when the container has exited and is cleaned up */
  status: Promise<ExitResult>;
  kill(signal?: Deno.Signal): void;
}

/** A scheduled restart that a stop overtook. */
export class StartCancelled extends BerthError {
  constructor(id: string) {
    super(`container ${id.slice(0, 12)} was stopped before its restart`);
    this.name = "StartCancelled";
  }
}

export interface ConsoleSize {
  columns: number;
  rows: number;
}

export interface LaunchPlan {
  root: string;
  /** a restart by policy: not when the container was stopped by hand meanwhile */
  unlessStopped?: boolean;
  id: string;
  limits: ResourceLimits;
  tty: boolean;
  /** -t: the terminal's size before the command starts (a client attaching later: `run -it`) */
  consoleSize?: ConsoleSize;
  interactive: boolean;
  pidHost: boolean;
  stdio?: { stdin?: Stdio; stdout?: Stdio; stderr?: Stdio };
  /** -t: copy the terminal to and from berth's own stdio (foreground) */
  attachTerminal: boolean;
  /** a foreground container's output also goes to its json-file log (with berth's own stdio, not `plan.stdio`) */
  keepLog?: LogConfig;
  /** forward berth's signals to the container (foreground) */
  forwardSignals: boolean;
  /** the spec, produced while the init joins its cgroup (and the record written, if new) */
  spec: () => Promise<ContainerSpec>;
  /** the first state written once the process runs (restart counts etc. are carried over) */
  baseState?: Partial<ContainerState>;
  /** runs after the exit, before the exit record (the supervisor writes the last log lines) */
  drain?: () => Promise<void>;
  /** more of the exit record, decided with it (the supervisor's restart decision) */
  exitState?: (result: ExitResult, current: ContainerState) => Partial<ContainerState>;
  /** undo what `spec()` made if the start fails (a new container's record); default: nothing */
  onStartFailure?: (spec: ContainerSpec | undefined) => Promise<void>;
}

/** Docker's rules for exit codes of a failed start: 127 not found, 126 not executable, else 125. */
function startFailure(err: SetupError, command: string): BerthError {
  if (err.step === "exec") {
    if (err.code === 2) return new BerthError(`exec: "${command}": stat ${command}: no such file or directory`, 127);
    return new BerthError(`exec: "${command}": ${err.message.replace(/^exec: /, "").toLowerCase()}`, 126);
  }
  return new BerthError(`container setup failed: ${err.message}`);
}

export async function launch(plan: LaunchPlan): Promise<RunningContainer> {
  const { root, id } = plan;
  const dir = containerDir(root, id);
  let spec: ContainerSpec | undefined;
  let tty: ReturnType<typeof openContainerTty> | undefined;
  let init: InitProcess | undefined;
  let endpoint: Endpoint | undefined;
  let slirp: SlirpNetwork | undefined;
  // no removal may run while the container starts: it waits for the start, then finds it running
  const startLock = await lockContainerStart(root, id);
  let released = false;
  const releaseStart = () => {
    if (!released) startLock?.close();
    released = true;
  };
  // (a foreground run writes the record while it starts: the directory is what must still be there)
  if (!startLock || !statLite(`${dir}/start.lock`)) {
    releaseStart();
    throw new NotFoundError(`No such container: ${id}`);
  }
  // a restart the policy scheduled is off when a stop came in meanwhile (stop decides under this lock)
  if (plan.unlessStopped && readRecord(root, id)?.state.manuallyStopped) {
    releaseStart();
    throw new StartCancelled(id);
  }
  try {
    const cgroup = containerCgroup(id);
    const threads = prestartHelperThreads(3); // the poller's epoll_wait, async lock and file ops, stdin writes
    cgroup.create(plan.limits);
    if (plan.tty) tty = openContainerTty(dir);
    if (tty && plan.consoleSize) resizeTty(tty.master, plan.consoleSize.columns, plan.consoleSize.rows);
    await threads;
    const teeing = plan.keepLog && !plan.stdio;
    const stdio = containerStdio(teeing && !tty ? { stdout: "piped", stderr: "piped" } : plan.stdio, !!tty, plan.interactive);
    init = spawnInit((p) => joinCgroup(p, cgroup.procsFiles, true), stdio.fds, plan.pidHost ? "inherit" : "new");
    stdio.closeChildEnds();
    debug(`init spawned, pid ${init.pid}`);
    // nothing in a container may open this process's binary through /proc (the runc CVE-2019-5736 class)
    prctl(4 /* PR_SET_DUMPABLE */, 0);
    spec = await plan.spec();
    debug("spec ready");
    const rootfs = mountRootfs(dir, spec.layers, spec.autoRemove);
    debug("rootfs mounted");
    const user = resolveUser(rootfs, spec.process.user, spec.process.groupAdd);
    const env = spec.process.env.some((e) => e.startsWith("HOME=")) ? spec.process.env : [...spec.process.env, `HOME=${user.home}`];
    const net = await joinNetwork(root, id, spec);
    endpoint = net.endpoint;
    slirp = net.slirp;
    // on a user network the container's /etc/hosts names its peers before its first instruction runs
    const peers = endpoint ? peersAtStart(root, spec, endpoint.network, endpoint.ip) : undefined;
    const ip = endpoint?.ip ?? (slirp && SLIRP.ip), gateway = endpoint?.gateway ?? (slirp && SLIRP.gateway);
    // slirp4netns forwards DNS at 10.0.2.3 (the host's resolver may be on its loopback, out of reach)
    const dns = spec.dns?.length || !slirp ? spec.dns : [SLIRP.dns];
    const etc = writeEtcFiles(dir, spec.hostname, { hostNetwork: spec.network === "host", extraHosts: spec.extraHosts, ip, gateway, dns, dnsSearch: spec.dnsSearch, dnsOptions: spec.dnsOptions, peers });
    const plans = await prepareMounts(root, rootfs, spec, etc);
    const mounted = plans.filter((m) => m.destination).map((m) => ({ destination: m.destination!, source: m.type === "tmpfs" ? "" : m.source }));
    // (under --init the init runs the command, but a missing one is still refused here, with Docker's 127)
    const command = resolveExecutable(rootfs, spec.process.args[0], env, spec.process.cwd, mounted);
    const execPath = spec.init ? DOCKER_INIT_PATH : command;
    debug("user, mounts and command resolved");
    // the runtime's input: the container as an OCI config (the same path berth-runc takes)
    const config = engineOciConfig(spec, { rootfs, user, env, mounts: plans, netns: net.netns, devpts: tty?.devpts });
    const ready = spec;
    const setup = {
      config,
      rootfs,
      execPath,
      user,
      env,
      ttyFd: tty?.slave,
      consolePath: tty?.slavePath,
      ...probePaths(rootfs),
      capabilities: ready.capabilities,
      lastCap: lastCapability(),
      seccomp: seccompFilter(ready.seccomp, ready.privileged, ready.capabilities),
      cgroupVersion: cgroup.version,
      cgroupV1Controllers: cgroup instanceof CgroupV1 ? cgroup.hierarchies : [],
      keepFds: 0,
    };
    debug("config built");
    await slirp?.ready; // configured meanwhile: the command runs with its network up
    init.start(programOf(setup));
    debug("program sent");
    const started: ContainerState = {
      ...plan.baseState,
      status: "running",
      pid: init.pid,
      monitorPid: Deno.pid,
      startedAt: new Date(Date.now()).toISOString(),
      exitCode: undefined,
      finishedAt: undefined,
      oomKilled: undefined,
      error: undefined,
      stoppedWithEngine: undefined,
      restarting: false,
      paused: false,
      network: endpoint && endpointState(endpoint),
      ports: slirp?.ports.length ? slirp.ports : undefined,
    };
    updateRecord(root, id, (rec) => ({ spec: rec.spec, state: started }));
    logEvent(root, spec, "start");
    try {
      await init.ready;
    } catch (err) {
      await init.exited;
      throw err instanceof SetupError ? startFailure(err, spec.process.args[0]) : err;
    }
    releaseStart();
    debug("command exec'd");
    slirp?.joined();
    if (endpoint) {
      closeFd(endpoint.netnsFd); // the container holds its namespace now
      endpoint.netnsFd = -1;
      refreshNetworkHosts(root, endpoint.network);
      if (spec.extraNetworks?.length) {
        await joinExtraNetworks(root, id, init.pid, spec.extraNetworks).catch((e) => debug(`network connect: ${messageOf(e)}`));
      }
    }
    const ep = endpoint;
    const slirpNet = slirp;
    const log = teeing ? openForegroundLog(dir, id, plan.keepLog!) : undefined;
    const attached = tty && plan.attachTerminal ? attachTty(tty, spec.process.openStdin, log?.terminal) : undefined;
    if (log && !tty) log.pump(stdio.stdout, stdio.stderr);
    const master = tty && !plan.attachTerminal ? tty.master : undefined;
    if (tty) releaseHostSide(tty);
    const running = init;
    const forward = (plan.forwardSignals ? ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as Deno.Signal[] : [])
      .map((sig) => {
        const fn = () => {
          try {
            Deno.kill(running.pid, sig);
          } catch { /* exited */ }
        };
        Deno.addSignalListener(sig, fn);
        return [sig, fn] as const;
      });
    const status = (async (): Promise<ExitResult> => {
      const s = await running.exited;
      debug("container exited");
      for (const [sig, fn] of forward) Deno.removeSignalListener(sig, fn);
      if (attached) {
        await Promise.race([attached.done, new Promise((r) => setTimeout(r, 200))]);
        attached.restore();
      }
      if (log) await log.close().catch((e) => debug(`log: ${messageOf(e)}`));
      if (plan.drain) await plan.drain().catch((e) => debug(`drain: ${messageOf(e)}`));
      if (ep) await leaveNetworks(root, id).catch((e) => debug(`network: ${messageOf(e)}`));
      if (slirpNet) await slirpNet.stop();
      const oomKilled = cgroup.oomKilled();
      const exitCode = oomKilled && s.signal ? 137 : s.code;
      await finish(root, ready, { exitCode, oomKilled }, plan.exitState);
      return { exitCode, oomKilled };
    })();
    return {
      id,
      name: spec.name,
      pid: running.pid,
      // a detached -t container's input goes into the pty's leader end (a duplicate: output reads the other)
      stdin: master !== undefined ? fdWritable(dupFd(master)) : stdio.stdin,
      resize: master !== undefined ? (columns: number, rows: number) => resizeTty(master, columns, rows) : undefined,
      // a detached -t container's terminal output comes out of the pty's leader end
      stdout: master !== undefined ? fdReadable(master) : log ? null : stdio.stdout,
      stderr: log ? null : stdio.stderr,
      status,
      kill: (sig: Deno.Signal = "SIGKILL") => Deno.kill(running.pid, sig),
    };
  } catch (err) {
    init?.abort();
    await slirp?.stop();
    if (endpoint) {
      if (endpoint.netnsFd >= 0) closeFd(endpoint.netnsFd);
      await detachEndpoint(root, id, endpoint).catch(() => {});
    }
    if (tty) {
      try {
        releaseHostSide(tty);
      } catch { /* partly made */ }
    }
    await containerCgroup(id).destroy().catch(() => {});
    try {
      unmountRootfs(dir);
    } catch { /* not mounted */ }
    if (plan.onStartFailure) await plan.onStartFailure(spec).catch((e) => debug(`start failure cleanup: ${messageOf(e)}`));
    else if (spec) {
      updateRecord(root, id, (rec) => ({
        spec: rec.spec,
        state: { ...rec.state, status: "exited", exitCode: 128, error: messageOf(err), pid: undefined },
      }));
    }
    releaseStart();
    throw err;
  }
}

/**
 * The program's builder, made out here: a closure inside `launch` would keep `setup` (the OCI config, the
 * seccomp filter, the environment) in the context that the exit handler keeps alive for the container's
 * whole life — ~0.1 MB per detached container held by the supervisor.
 */
function programOf(setup: Parameters<typeof ociProgram>[1]): (p: InitProgram) => void {
  return (p) => ociProgram(p, setup);
}

/**
 * The network namespace the container's init is to join: a bridge network's (berth builds it with
 * eth0, address and route: see network/endpoint.ts), another container's, or none (a new, empty one
 * for `none`; the host's for `host`).
 */
async function joinNetwork(root: string, id: string, spec: ContainerSpec): Promise<{ netns?: string; endpoint?: Endpoint; slirp?: SlirpNetwork }> {
  if (spec.network === "none" || spec.network === "host") return {};
  // an ordinary user's default network: slirp4netns in a namespace of the container's own
  if (rootlessUser() && spec.network === DEFAULT_NETWORK) {
    const slirp = await startSlirp(id, spec.ports ?? []);
    return { netns: slirp.netns, slirp };
  }
  if (spec.network.startsWith("container:")) {
    const other = readRecord(root, spec.network.slice(10));
    if (!other || other.state.status !== "running" || !other.state.pid) {
      throw new BerthError(`cannot join network of a non running container: ${spec.network.slice(10, 22)}`);
    }
    return { netns: `/proc/${other.state.pid}/ns/net` };
  }
  const endpoint = await attachEndpoint(root, id, spec.network, spec.ip, spec.ports);
  // the stub opens berth's fd of the namespace (berth is not dumpable, but the stub still has every capability here)
  return { netns: `/proc/${Deno.pid}/fd/${endpoint.netnsFd}`, endpoint };
}

function endpointState(e: Endpoint): EndpointState {
  const { netnsFd: _fd, ...rest } = e;
  return rest;
}

/** After the exit: cgroup, mounts (and everything, for --rm) go; the record says how it ended. */
async function finish(
  root: string,
  spec: ContainerSpec,
  result: ExitResult,
  exitState?: LaunchPlan["exitState"],
): Promise<void> {
  try {
    logEvent(root, spec, "die", { exitCode: String(result.exitCode) });
    // read again: `run -it --rm` detached with Ctrl-P Ctrl-Q turns --rm on only then (see cli/run.ts)
    const autoRemove = readRecord(root, spec.id)?.spec.autoRemove ?? spec.autoRemove;
    await teardown(root, spec, autoRemove);
    if (autoRemove) return;
    // carry what other commands wrote meanwhile (a manual stop, a pause, a rename)
    updateRecord(root, spec.id, (rec) => ({
      spec: rec.spec,
      state: {
        ...rec.state,
        status: "exited",
        pid: undefined,
        ports: undefined, // slirp4netns's forwards are gone
        paused: false,
        finishedAt: new Date(Date.now()).toISOString(),
        health: undefined,
        exitCode: result.exitCode,
        oomKilled: result.oomKilled,
        ...exitState?.(result, rec.state),
      },
    }));
  } catch (err) {
    console.error(`berth: cleaning up container ${spec.id.slice(0, 12)}: ${messageOf(err)}`);
  }
}
