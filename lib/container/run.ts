/**
 * `berth run` (a new container from an image, in the foreground) and `berth start` (an existing one).
 * Both go through {@link launch}; `run` produces the spec and record while the init stub is already
 * joining its cgroup, so none of that work is on the start-up's critical path.
 *
 * @example
 * ```ts
 * import { run } from "./run.ts";
 * const c = await run("busybox", { root: "/var/lib/berth", command: ["echo", "hi"], rm: true });
 * console.log((await c.status).exitCode); // 0
 * ```
 */
import { readImage } from "../image/inspect.ts";
import { ConflictError, messageOf, NotFoundError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { reconcile, teardown } from "./cleanup.ts";
import { buildSpec, checkOptions, containerLimits, findOrPull, type RunOptions } from "./create.ts";
import { launch, type LaunchPlan, type RunningContainer } from "./launch.ts";
import type { ContainerSpec } from "./spec.ts";
import { claimName, createRecord, findContainer, makeContainerDir, newContainerId, readRecord } from "./state.ts";
import type { Stdio } from "./stdio.ts";
import { keepsForegroundLog } from "./foreground_log.ts";

export type { ExitResult, RunningContainer } from "./launch.ts";
export type { RunOptions } from "./create.ts";

/** Creates and starts a container in this process; returns once its command runs. */
export async function run(image: string, opts: RunOptions): Promise<RunningContainer> {
  const root = opts.root;
  // everything the user typed is checked before anything is created
  const checked = checkOptions(opts);
  const limits = containerLimits(opts, checked.devices);
  debug("run: options parsed");
  const id = newContainerId();
  makeContainerDir(root, id);
  let named = false;
  let recorded = false;
  const c = await launch({
    root,
    id,
    limits,
    tty: !!opts.tty,
    interactive: !!opts.interactive,
    pidHost: opts.pid === "host",
    stdio: opts.stdio,
    attachTerminal: true,
    forwardSignals: true,
    keepLog: keepsForegroundLog(!!opts.rm, checked.log) ? checked.log : undefined,
    spec: async () => {
      const record = await findOrPull(root, image, opts);
      const { config } = readImage(root, record.id);
      const spec = buildSpec(id, image, record, config, opts, checked, limits);
      claimName(root, spec.name, id);
      named = true;
      createRecord(root, spec, { status: "created", monitorPid: Deno.pid });
      recorded = true;
      return spec;
    },
    onStartFailure: async (spec) => {
      const partial = { id, name: named && spec ? spec.name : "", mounts: spec?.mounts ?? [] };
      await teardown(root, partial, true, recorded);
    },
  });
  // repairs what killed berth processes left, while this container runs
  const repairs = reconcile(root).catch((err) => debug(`reconcile: ${messageOf(err)}`));
  return { ...c, status: c.status.then(async (r) => (await repairs, r)) };
}

export interface StartOptions {
  root: string;
  /** where the container's stdio goes (default: berth's own) */
  stdio?: { stdin?: Stdio; stdout?: Stdio; stderr?: Stdio };
  /** this process shows the container's terminal and forwards signals (start -a) */
  attach?: boolean;
  interactive?: boolean;
  exitState?: LaunchPlan["exitState"];
  drain?: LaunchPlan["drain"];
  /** a restart by policy (see LaunchPlan) */
  unlessStopped?: boolean;
  /** -t: the terminal's size from the start (see LaunchPlan) */
  consoleSize?: LaunchPlan["consoleSize"];
}

/** Starts an existing container (created or exited) in this process. */
export async function startContainer(ref: string, opts: StartOptions): Promise<RunningContainer> {
  const rec = findContainer(opts.root, ref);
  if (!rec) throw new NotFoundError(`No such container: ${ref}`);
  if (rec.state.status === "running") throw new ConflictError(`container ${rec.spec.name} is already running`);
  const spec: ContainerSpec = rec.spec;
  return await launch({
    root: opts.root,
    id: spec.id,
    limits: spec.limits,
    tty: spec.tty,
    consoleSize: opts.consoleSize,
    interactive: !!opts.interactive && spec.process.openStdin,
    pidHost: spec.namespaces.pid === "host",
    stdio: opts.stdio,
    attachTerminal: !!opts.attach,
    forwardSignals: !!opts.attach,
    keepLog: opts.attach && keepsForegroundLog(spec.autoRemove, spec.log ?? { maxSize: 0, maxFile: 1 }) ? spec.log ?? { maxSize: 0, maxFile: 1 } : undefined,
    spec: () => Promise.resolve(readRecord(opts.root, spec.id)?.spec ?? spec),
    baseState: { restartCount: rec.state.restartCount ?? 0, manuallyStopped: false },
    exitState: opts.exitState,
    drain: opts.drain,
    unlessStopped: opts.unlessStopped,
  });
}
