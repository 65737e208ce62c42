/**
 * `berth run`: a container from an image, in the foreground. Creates the record, cgroup and rootfs,
 * resolves the user, working directory, command path and mounts against the image's files, starts the
 * init stub (which sets the container up from the inside and execs the command), then waits, forwards
 * signals and tears everything down.
 *
 * @example
 * ```ts
 * import { run } from "./run.ts";
 * const c = await run("busybox", { root: "/var/lib/berth", command: ["echo", "hi"], rm: true });
 * console.log((await c.status).exitCode); // 0
 * ```
 */
import { pull } from "../image/pull.ts";
import { Progress } from "../image/progress.ts";
import { readImage } from "../image/inspect.ts";
import type { ImageConfig } from "../image/image_config.ts";
import { findImage } from "../image/image_lookup.ts";
import { type ImageRecord, Store } from "../image/store.ts";
import { BerthError, messageOf, UsageError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { prestartHelperThreads } from "../ffi/sys.ts";
import { prctl } from "../ffi/fd.ts";
import { capabilitySet, lastCapability } from "./capabilities.ts";
import { containerCgroup } from "./cgroups/cgroup.ts";
import { CgroupV1 } from "./cgroups/v1.ts";
import { type ResourceLimits } from "./cgroups/limits.ts";
import { reconcile, teardown } from "./cleanup.ts";
import { writeEtcFiles } from "./etc_files.ts";
import { anonymousVolume, parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from "./mount_options.ts";
import { type ProcessFlags, processSpec } from "./process_spec.ts";
import { mountRootfs } from "./rootfs.ts";
import { prepareMounts } from "./prepare_mounts.ts";
import { resolveExecutable } from "./exec_path.ts";
import { joinCgroup, namespaceCalls, setupProgram } from "./setup_program.ts";
import { type InitProcess, SetupError, spawnInit } from "./spawn_init.ts";
import { containerStdio, type Stdio } from "./stdio.ts";
import type { ContainerSpec, MountSpec } from "./spec.ts";
import { claimName, createRecord, makeContainerDir, newContainerId, randomName, writeRecord } from "./state.ts";
import { attachTty, openContainerTty, releaseHostSide } from "./tty.ts";
import { resolveUser } from "./user.ts";

export interface RunOptions extends ProcessFlags {
  root: string;
  name?: string;
  hostname?: string;
  /** remove the container when it exits */
  rm?: boolean;
  network?: "none" | "host";
  pid?: "host";
  ipc?: "host";
  uts?: "host";
  /** `-v` specs */
  volumes?: string[];
  /** `--mount` specs */
  mounts?: string[];
  /** `--tmpfs` specs */
  tmpfs?: string[];
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  securityOpt?: string[];
  limits?: ResourceLimits;
  /** where the container's stdio goes; default: berth's own (stdin only with `interactive`) */
  stdio?: { stdin?: Stdio; stdout?: Stdio; stderr?: Stdio };
  /** pull a missing image (default true, like Docker) */
  pull?: boolean;
  platform?: string;
  insecureRegistries?: string[];
}

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
  /** resolves when the container has exited and is cleaned up */
  status: Promise<ExitResult>;
  kill(signal?: Deno.Signal): void;
}

/** Docker's rules for exit codes of a failed start: 127 not found, 126 not executable, else 125. */
function startFailure(err: SetupError, command: string): BerthError {
  if (err.step === "exec") {
    if (err.code === 2) return new BerthError(`exec: "${command}": stat ${command}: no such file or directory`, 127);
    return new BerthError(`exec: "${command}": ${err.message.replace(/^exec: /, "").toLowerCase()}`, 126);
  }
  return new BerthError(`container setup failed: ${err.message}`);
}

async function findOrPull(root: string, image: string, opts: RunOptions): Promise<ImageRecord> {
  const store = new Store(root);
  const found = findImage(store.readIndex(), image);
  if (found) return found;
  if (opts.pull === false) throw new BerthError(`No such image: ${image}`);
  console.error(`Unable to find image '${image}' locally`);
  const progress = new Progress(Deno.stderr.isTerminal() ? "tty" : "plain", Deno.stderr);
  await pull(image, { root, platform: opts.platform, insecureRegistries: opts.insecureRegistries, progress });
  const rec = findImage(store.readIndex(), image);
  if (!rec) throw new BerthError(`No such image: ${image}`);
  return rec;
}

function parseMounts(opts: RunOptions): MountSpec[] {
  const all = [
    ...(opts.volumes ?? []).map(parseVolumeFlag),
    ...(opts.mounts ?? []).map(parseMountFlag),
    ...(opts.tmpfs ?? []).map(parseTmpfsFlag),
  ];
  const seen = new Set<string>();
  for (const m of all) {
    if (seen.has(m.destination)) throw new UsageError(`Duplicate mount point: ${m.destination}`);
    seen.add(m.destination);
  }
  return all;
}

function securityOpts(list: string[]): { noNewPrivileges: boolean } {
  let noNewPrivileges = false;
  for (const o of list) {
    if (o === "no-new-privileges" || o === "no-new-privileges:true" || o === "no-new-privileges=true") noNewPrivileges = true;
    else if (o === "no-new-privileges:false" || o === "no-new-privileges=false") noNewPrivileges = false;
    else if (!/^(seccomp|apparmor|label)[=:]/.test(o)) throw new UsageError(`invalid --security-opt: ${o}`);
  }
  return { noNewPrivileges };
}

/** The container's record from the image config and the options. */
function buildSpec(id: string, image: string, record: ImageRecord, config: ImageConfig, opts: RunOptions, mounts: MountSpec[]): ContainerSpec {
  const { noNewPrivileges } = securityOpts(opts.securityOpt ?? []);
  const caps = capabilitySet({ privileged: opts.privileged, add: opts.capAdd, drop: opts.capDrop });
  // the image's VOLUMEs become anonymous volumes unless a mount already covers them (Docker's rule)
  for (const dest of Object.keys(config.config?.Volumes ?? {})) {
    const d = dest.replace(/\/+$/, "") || "/";
    if (d !== "/" && !mounts.some((m) => m.destination === d)) mounts.push(anonymousVolume(d));
  }
  const store = new Store(opts.root);
  const hostname = opts.hostname ?? (opts.network === "host" ? Deno.hostname() : id.slice(0, 12));
  return {
    id,
    name: opts.name ?? randomName(),
    image,
    imageId: record.id,
    layers: record.layers.map((l) => store.layerPath(l.diffId)),
    process: processSpec(config.config ?? {}, opts, hostname),
    hostname,
    network: opts.network ?? "none",
    namespaces: { pid: opts.pid ?? "private", ipc: opts.ipc ?? "private", uts: opts.uts ?? "private" },
    mounts,
    readOnlyRootfs: !!opts.readOnly,
    capabilities: [...caps].sort((a, b) => a - b),
    noNewPrivileges,
    privileged: !!opts.privileged,
    limits: opts.limits ?? {},
    autoRemove: !!opts.rm,
    stopSignal: config.config?.StopSignal,
    created: new Date().toISOString(),
  };
}

/** Starts a container and returns at once; `status` settles when it is gone. */
export async function run(image: string, opts: RunOptions): Promise<RunningContainer> {
  const root = opts.root;
  // everything the user typed is checked before anything is created
  const mounts = parseMounts(opts);
  capabilitySet({ privileged: opts.privileged, add: opts.capAdd, drop: opts.capDrop });
  securityOpts(opts.securityOpt ?? []);
  debug("run: options parsed");
  const id = newContainerId();
  const dir = makeContainerDir(root, id);
  let spec: ContainerSpec | undefined;
  let named = false;
  let tty: ReturnType<typeof openContainerTty> | undefined;
  let init: InitProcess | undefined;
  let recorded = false;
  try {
    const cgroup = containerCgroup(id);
    const threads = prestartHelperThreads(3); // waitpid, the init's report, berth's stdin
    cgroup.create(opts.limits ?? {});
    debug("cgroup created");
    if (opts.tty) tty = openContainerTty(dir);
    await threads;
    const stdio = containerStdio(opts.stdio, !!tty, !!opts.interactive);
    // The init starts first: its move into the cgroup waits out an RCU grace period (~10 ms) while
    // berth reads the image, mounts the rootfs and resolves everything below.
    init = spawnInit((p) => joinCgroup(p, cgroup.procsFiles, true), stdio.fds, opts.pid !== "host");
    stdio.closeChildEnds();
    debug(`init spawned, pid ${init.pid}`);
    // nothing in a container may open this process's binary through /proc (the runc CVE-2019-5736 class)
    prctl(4 /* PR_SET_DUMPABLE */, 0);
    const record = await findOrPull(root, image, opts);
    const { config } = readImage(root, record.id);
    spec = buildSpec(id, image, record, config, opts, mounts);
    claimName(root, spec.name, id);
    named = true;
    createRecord(root, spec, { status: "created", monitorPid: Deno.pid });
    recorded = true;
    debug("container record written");
    const rootfs = mountRootfs(dir, spec.layers, spec.autoRemove);
    debug("rootfs mounted");
    const user = resolveUser(rootfs, spec.process.user, spec.process.groupAdd);
    const env = spec.process.env.some((e) => e.startsWith("HOME=")) ? spec.process.env : [...spec.process.env, `HOME=${user.home}`];
    const etc = writeEtcFiles(dir, spec.hostname, spec.network === "host");
    const plans = await prepareMounts(root, rootfs, spec, etc);
    const execPath = resolveExecutable(rootfs, spec.process.args[0], env, spec.process.cwd);
    debug("user, mounts and command resolved");
    const ready = spec;
    init.start((p) => {
      namespaceCalls(p, ready);
      setupProgram(p, {
        spec: ready,
        rootfs,
        execPath,
        cwd: ready.process.cwd,
        user,
        env,
        mounts: plans,
        tty: tty && { fd: tty.slave, devpts: tty.devpts, slavePath: tty.slavePath },
        lastCap: lastCapability(),
        cgroupVersion: cgroup.version,
        cgroupV1Controllers: cgroup instanceof CgroupV1 ? cgroup.hierarchies : [],
      });
    });
    const started = { status: "running" as const, pid: init.pid, monitorPid: Deno.pid, startedAt: new Date().toISOString() };
    writeRecord(root, { spec, state: started });
    try {
      await init.ready;
    } catch (err) {
      await init.exited;
      throw err instanceof SetupError ? startFailure(err, spec.process.args[0]) : err;
    }
    debug("command exec'd");
    const attached = tty && attachTty(tty, spec.process.openStdin);
    if (tty) releaseHostSide(tty);
    const forwarded: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];
    const running = init;
    const forward = forwarded.map((sig) => {
      const fn = () => {
        try {
          Deno.kill(running.pid, sig);
        } catch { /* exited */ }
      };
      Deno.addSignalListener(sig, fn);
      return [sig, fn] as const;
    });
    // repairs what killed berth processes left, while this container runs
    const repairs = reconcile(root).catch((err) => debug(`reconcile: ${messageOf(err)}`));
    const status = (async (): Promise<ExitResult> => {
      const s = await running.exited;
      debug("container exited");
      await repairs;
      for (const [sig, fn] of forward) Deno.removeSignalListener(sig, fn);
      if (attached) {
        await Promise.race([attached.done, new Promise((r) => setTimeout(r, 200))]);
        attached.restore();
      }
      const oomKilled = cgroup.oomKilled();
      debug("tearing down");
      await finish(root, ready, {
        status: "exited",
        pid: running.pid,
        startedAt: started.startedAt,
        finishedAt: new Date().toISOString(),
        exitCode: s.code,
        oomKilled,
      });
      return { exitCode: oomKilled && s.signal ? 137 : s.code, oomKilled };
    })();
    return {
      id,
      name: spec.name,
      pid: running.pid,
      stdin: stdio.stdin,
      stdout: stdio.stdout,
      stderr: stdio.stderr,
      status,
      kill: (sig: Deno.Signal = "SIGKILL") => Deno.kill(running.pid, sig),
    };
  } catch (err) {
    init?.abort();
    if (tty) {
      try {
        releaseHostSide(tty);
      } catch { /* partly made */ }
    }
    const partial = { id, name: named && spec ? spec.name : "", mounts: spec?.mounts ?? [] };
    await teardown(root, partial, true, recorded).catch((e) => debug(`teardown: ${messageOf(e)}`));
    throw err;
  }
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

export function signalNumber(sig: string): number {
  return SIGNALS[sig] ?? 0;
}

async function finish(root: string, spec: ContainerSpec, state: import("./state.ts").ContainerState): Promise<void> {
  try {
    await teardown(root, spec, spec.autoRemove);
    if (!spec.autoRemove) writeRecord(root, { spec, state });
  } catch (err) {
    console.error(`berth: cleaning up container ${spec.id.slice(0, 12)}: ${messageOf(err)}`);
  }
}
