/**
 * `berth build`: a Dockerfile, step by step, into an image.
 *
 * Each stage starts from an image (pulled if missing), an earlier stage, or `scratch`. RUN runs in a
 * berth container on the stage's layers and its writable layer becomes the step's layer; COPY/ADD
 * build their layer in a directory directly; the other instructions change the config only (an
 * empty_layer history entry). Every step has a cache key — the parent's key, the instruction after
 * substitution, and for COPY/ADD a digest of the sources' contents — and a step whose key is in
 * `ROOT/build-cache/` (and whose layers are still in the store) is reused: `CACHED`.
 *
 * @example
 * ```ts
 * const { id } = await build({ root: "/var/lib/berth", context: ".", tags: ["app:1"] });
 * ```
 */
import { BerthError, messageOf } from "../util/errors.ts";
import { withLock } from "../util/lock.ts";
import { nodeCrypto } from "../util/node_builtins.ts";
import { join } from "../util/path.ts";
import { tempNameFor } from "../util/atomic_write.ts";
import { preciseSize } from "../util/human.ts";
import { pidAlive } from "../util/proc_stat.ts";
import { rootlessUser } from "../rootless/paths.ts";
import { teardown } from "../container/cleanup.ts";
import { buildSpec, findOrPull } from "../container/create.ts";
import { pull } from "./pull.ts";
import { Progress } from "./progress.ts";
import { mountRootfs, unmountRootfs } from "../container/rootfs.ts";
import { startContainer } from "../container/run.ts";
import { createRecord, listRecords, makeContainerDir, newContainerId, readRecord } from "../container/state.ts";
import { removeContainer } from "../container/lifecycle.ts";
import { resolveUser } from "../container/user.ts";
import { LayerApplier } from "./layer_apply.ts";
import { TarParser } from "./tar_reader.ts";
import { readRegularInRoot, withRootFd } from "../container/path_in_root.ts";
import { contextSize, copySources, hashSources, Ignore, type Owner, realSource, resolveSources } from "./build_context.ts";
import { storeLayerFromDir, writeImage } from "./commit.ts";
import { applyChange } from "./config_change.ts";
import { type Instruction, jsonForm, parseDockerfile, splitWords, substitute } from "./dockerfile.ts";
import type { ImageConfig } from "./image_config.ts";
import { readImage } from "./inspect.ts";
import { hostPlatform } from "./manifest.ts";
import { familiarName, parseReference, repoName } from "./reference.ts";
import { type ImageRecord, type LayerRecord, Store } from "./store.ts";
import { collectGarbage } from "./remove.ts";

export interface BuildOptions {
  root: string;
  /** the context directory */
  context: string;
  /** the Dockerfile (default: CONTEXT/Dockerfile) */
  dockerfile?: string;
  tags?: string[];
  buildArgs?: Record<string, string>;
  /** the stage to build (default: the last) */
  target?: string;
  noCache?: boolean;
  /** only the image ID on stdout; RUN output only when a step fails */
  quiet?: boolean;
  /** the network of RUN containers (default: bridge) */
  network?: string;
  /** labels set on the image (`--label`), over the Dockerfile's */
  labels?: Record<string, string>;
  /** pull every FROM image even when it is stored (`--pull`) */
  pull?: boolean;
  insecureRegistries?: string[];
  /** progress lines (default: stdout) */
  say?: (line: string) => void;
  /**
   * first say how big the context is, as Docker's client does ("Sending build context to berth  2.048kB");
   * false where the client already said it (the Engine API's build)
   */
  announceContext?: boolean;
}

/** What every step of one build shares. */
interface BuildRun {
  opts: BuildOptions;
  context: string;
  ignore: Ignore;
  /** finished stages' states, by index */
  done: State[];
  stages: { name?: string; index: number }[];
  /** the build's temp dir under ROOT/tmp */
  tmp: string;
}

interface State {
  layers: LayerRecord[];
  config: ImageConfig;
  key: string;
  platform: ImageRecord["platform"];
}

/**
 * What the cache keeps per step: only what the step made — its layer, if any, and its time. The config
 * is the parent's with the instruction applied again (cheap and deterministic), so a Dockerfile of N
 * lines writes O(N) bytes of cache, not the O(N²) of a whole config per step.
 */
interface CacheEntry {
  created: string;
  layer?: LayerRecord;
}

const DEFAULT_SHELL = ["/bin/sh", "-c"];

async function sha(text: string): Promise<string> {
  const { createHash } = await nodeCrypto();
  return createHash("sha256").update(text).digest("hex");
}

function durationNs(s: string | undefined, what: string): number | undefined {
  if (s === undefined) return undefined;
  const m = s.match(/^(\d+(?:\.\d+)?)(ms|s|m|h)$/);
  if (!m) throw new BerthError(`HEALTHCHECK: invalid ${what}: ${s}`);
  return Math.round(Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as "ms"]);
}

/**
 * SIGINT or SIGTERM during a build (Ctrl-C, or the API service killing the build of a client that left):
 * the RUN container is killed and the build ends through its own cleanup — container, mounts, temp dir.
 */
const interrupt = { requested: false, pid: 0 };

function checkInterrupt(): void {
  if (interrupt.requested) throw new BerthError("build interrupted", 130);
}

/** Builds an image from a Dockerfile; returns its ID and tags. */
export async function build(opts: BuildOptions): Promise<{ id: string; tags: string[] }> {
  const onSignal = () => {
    interrupt.requested = true;
    try {
      if (interrupt.pid) Deno.kill(interrupt.pid, "SIGKILL");
    } catch { /* exited */ }
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    return await buildImage(opts);
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

async function buildImage(opts: BuildOptions): Promise<{ id: string; tags: string[] }> {
  const say = opts.say ?? ((l: string) => console.log(l));
  const quietSay = opts.quiet ? () => {} : say;
  const context = opts.context;
  try {
    if (!Deno.statSync(context).isDirectory) throw new Error("not a directory");
  } catch {
    throw new BerthError(`build: unable to prepare context: path ${JSON.stringify(context)} not found or not a directory`);
  }
  const file = opts.dockerfile ?? join(context, "Dockerfile");
  let text: string;
  try {
    // CONTEXT/Dockerfile is read inside the context (a link out of it leads nowhere); -f is the user's own
    const data = opts.dockerfile ? Deno.readFileSync(file) : withRootFd(context, (fd) => readRegularInRoot(fd, "Dockerfile", 16 << 20));
    if (!data) throw new Error("missing");
    text = new TextDecoder().decode(data);
  } catch {
    throw new BerthError(`build: cannot read the Dockerfile ${file}`);
  }
  const df = parseDockerfile(text, file.split("/").pop());
  const ignore = Ignore.read(context);
  if (opts.announceContext && !opts.quiet) announceContext(context, ignore, say, !opts.say && Deno.stdout.isTerminal());
  const tags = (opts.tags ?? []).map((t) => {
    const r = parseReference(t);
    if (r.digest) throw new BerthError(`build: a tag cannot have a digest: ${t}`);
    return `${repoName(r)}:${r.tag ?? "latest"}`;
  });
  const buildArgs = new Map(Object.entries(opts.buildArgs ?? {}));

  let targetIndex = df.stages.length - 1;
  if (opts.target) {
    targetIndex = df.stages.findIndex((s) => s.name === opts.target!.toLowerCase());
    if (targetIndex < 0) throw new BerthError(`build: target stage ${opts.target} could not be found`);
  }
  const stages = df.stages.slice(0, targetIndex + 1);
  const total = stages.reduce((n, s) => n + 1 + s.instructions.length, 0);
  let step = 0;

  const store = new Store(opts.root);
  store.init();
  const cacheDir = join(opts.root, "build-cache");
  Deno.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const fromCache = (key: string): CacheEntry | undefined => {
    if (opts.noCache) return undefined;
    try {
      const e = JSON.parse(Deno.readTextFileSync(join(cacheDir, `${key}.json`))) as CacheEntry;
      if (typeof e.created !== "string") return undefined; // an entry of an older berth
      return !e.layer || (store.hasLayer(e.layer.diffId) && store.hasBlob(e.layer.digest)) ? e : undefined;
    } catch {
      return undefined;
    }
  };
  // a cache entry needs no fsync: one lost to a crash (or left empty) is a miss, and the step runs again
  const toCache = (key: string, e: CacheEntry) => {
    const path = join(cacheDir, `${key}.json`);
    const tmp = tempNameFor(path);
    Deno.writeTextFileSync(tmp, JSON.stringify(e), { mode: 0o600 });
    Deno.renameSync(tmp, path);
  };

  // global ARGs: usable in FROM lines
  const globalVars = new Map<string, string>();
  for (const a of df.globalArgs) {
    const [name, def] = splitArg(a.args);
    const v = buildArgs.get(name) ?? (def !== undefined ? substitute(def, globalVars, df.escape) : undefined);
    if (v !== undefined) globalVars.set(name, v);
  }

  await removeOrphanRunContainers(opts.root);
  return await withLock(store.gcLockPath, async () => {
    const tmp = store.makeTempDir();
    const done: State[] = [];
    const br: BuildRun = { opts, context, ignore, done, stages, tmp };
    try {
      for (const stage of stages) {
        step++;
        const from = substitute(stage.from, globalVars, df.escape);
        quietSay(`Step ${step}/${total} : FROM ${from}${stage.name ? ` AS ${stage.name}` : ""}`);
        let state: State;
        const earlier = stages.findIndex((s, i) => i < stage.index && s.name === from.toLowerCase());
        if (earlier >= 0) state = structuredClone(done[earlier]);
        else if (from === "scratch") {
          const p = hostPlatform();
          state = {
            layers: [],
            config: { architecture: p.architecture, os: p.os, config: {}, rootfs: { type: "layers", diff_ids: [] }, history: [] },
            key: await sha("scratch"),
            platform: { os: p.os, architecture: p.architecture },
          };
        } else {
          const pullOpts = { root: opts.root, insecureRegistries: opts.insecureRegistries, progress: new Progress("quiet") };
          if (opts.pull) await pull(from, pullOpts);
          const record = await findOrPull(opts.root, from, pullOpts);
          const { config } = readImage(opts.root, record.id);
          state = { layers: record.layers, config: structuredClone(config), key: await sha(`from ${record.id}`), platform: record.platform };
        }
        state.config.config ??= {};
        quietSay(` ---> ${(state.layers.at(-1)?.diffId ?? "scratch").slice(7, 19) || "scratch"}`);
        // the base image's ONBUILD triggers run first, as if they began this stage; they are not inherited
        const triggers = earlier < 0 ? ((state.config.config.OnBuild as string[] | undefined) ?? []) : [];
        delete state.config.config.OnBuild;
        const triggerInstructions = triggers.length
          ? parseDockerfile(`FROM scratch\n${triggers.join("\n")}\n`, `${from} ONBUILD`).stages[0].instructions
          : [];
        if (triggers.length) quietSay(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? "s" : ""}`);
        const vars = new Map<string, string>(); // ARGs declared in this stage, then ENV
        const args = new Map<string, string>();
        const envVars = () => {
          const m = new Map(vars);
          for (const e of state.config.config!.Env ?? []) {
            const i = e.indexOf("=");
            m.set(e.slice(0, i), e.slice(i + 1));
          }
          return m;
        };
        let shell = (state.config.config.Shell as string[] | undefined) ?? DEFAULT_SHELL;

        for (const ins of [...triggerInstructions, ...stage.instructions]) {
          checkInterrupt();
          const isTrigger = triggerInstructions.includes(ins);
          if (!isTrigger) step++;
          const needsSubst = !["RUN", "CMD", "ENTRYPOINT", "SHELL", "HEALTHCHECK", "ONBUILD"].includes(ins.cmd);
          const argsText = needsSubst ? substitute(ins.args, envVars(), df.escape) : ins.args;
          const flags = Object.fromEntries(Object.entries(ins.flags).map(([k, v]) => [k, substitute(v, envVars(), df.escape)]));
          const shown = `${ins.cmd} ${Object.entries(flags).map(([k, v]) => `--${k}=${v} `).join("")}${argsText}`;
          quietSay(isTrigger ? `Trigger : ${shown}` : `Step ${step}/${total} : ${shown}`);
          const where = isTrigger ? `ONBUILD of ${from}` : `${file.split("/").pop()}:${ins.line}`;
          let inputs = "";
          if (ins.cmd === "COPY" || ins.cmd === "ADD") inputs = await copyInputs(br, ins, argsText, flags, where);
          if (ins.cmd === "RUN") inputs = JSON.stringify([...args]);
          const key = await sha(`${state.key}\n${shown}\n${inputs}`);
          const cached = fromCache(key);
          const cfg = state.config.config!;
          let layer: LayerRecord | undefined = cached?.layer;
          try {
            switch (ins.cmd) {
              case "ARG":
                declareArg(argsText, buildArgs, vars, args, envVars, df.escape);
                break;
              case "ENV":
              case "LABEL":
              case "EXPOSE":
              case "VOLUME":
              case "STOPSIGNAL":
                applyChange(cfg, `${ins.cmd} ${argsText}`);
                break;
              case "USER":
                cfg.User = argsText;
                break;
              case "WORKDIR": {
                const w = argsText.startsWith("/") ? argsText : join(cfg.WorkingDir || "/", argsText);
                cfg.WorkingDir = w;
                break;
              }
              case "MAINTAINER":
                state.config.author = argsText;
                break;
              case "CMD":
              case "ENTRYPOINT":
                cfg[ins.cmd === "CMD" ? "Cmd" : "Entrypoint"] = jsonForm(ins.args) ?? [...shell, ins.args];
                break;
              case "SHELL": {
                const s = jsonForm(ins.args);
                if (!s?.length) throw new BerthError("SHELL requires the arguments to be in JSON form");
                shell = s;
                cfg.Shell = s;
                break;
              }
              case "HEALTHCHECK":
                cfg.Healthcheck = healthcheck(ins);
                break;
              case "ONBUILD":
                cfg.OnBuild = [...((cfg.OnBuild as string[] | undefined) ?? []), ins.args];
                break;
              case "RUN":
                if (!cached) layer = await runStep(opts, state, jsonForm(ins.args) ?? [...shell, ins.args], args, tmp, say);
                break;
              case "COPY":
              case "ADD":
                if (!cached) layer = await copyStep(br, state, ins, argsText, flags);
                break;
            }
          } catch (err) {
            throw new BerthError(`${where}: ${ins.cmd}: ${messageOf(err).replace(/^berth: /, "")}`, err instanceof BerthError ? err.exitCode : 1);
          }
          const created = cached?.created ?? new Date().toISOString();
          if (ins.cmd !== "ARG") {
            state.config.history = [...(state.config.history ?? []), {
              created,
              created_by: ins.cmd === "RUN" ? `RUN ${[...args].map(([k, v]) => `${k}=${v} `).join("")}${ins.args}` : shown,
              ...(layer ? {} : { empty_layer: true }),
            }];
            state.config.created = created;
          }
          if (layer) state.layers = [...state.layers, layer];
          state.key = key;
          if (cached) {
            quietSay(" ---> CACHED");
            continue;
          }
          toCache(key, { created, layer });
          quietSay(` ---> ${layer ? layer.diffId.slice(7, 19) : "(config)"}`);
        }
        done[stage.index] = state;
      }
      const final = done[targetIndex];
      const config = structuredClone(final.config);
      config.created ??= new Date().toISOString();
      if (opts.labels && Object.keys(opts.labels).length) config.config = { ...config.config, Labels: { ...config.config?.Labels, ...opts.labels } };
      const id = await writeImage(store, config, final.layers, tags, final.platform);
      quietSay(`Successfully built ${id.slice(7, 19)}`);
      for (const t of opts.tags ?? []) quietSay(`Successfully tagged ${t}`);
      if (opts.quiet) say(id);
      // the names as `berth images` shows them (busybox:1, not docker.io/library/busybox:1)
      return { id, tags: tags.map((t) => familiarName(t.slice(0, t.lastIndexOf(":"))) + t.slice(t.lastIndexOf(":"))) };
    } finally {
      Deno.removeSync(tmp, { recursive: true });
    }
  }, false);
}

function splitArg(text: string): [string, string | undefined] {
  const i = text.indexOf("=");
  return i < 0 ? [text.trim(), undefined] : [text.slice(0, i).trim(), text.slice(i + 1)];
}

function declareArg(
  text: string,
  buildArgs: Map<string, string>,
  vars: Map<string, string>,
  args: Map<string, string>,
  envVars: () => Map<string, string>,
  escape: string,
): void {
  const [name, def] = splitArg(text);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new BerthError(`ARG: invalid name ${name}`);
  const v = buildArgs.get(name) ?? (def !== undefined ? substitute(def, envVars(), escape) : undefined);
  if (v !== undefined) {
    vars.set(name, v);
    args.set(name, v);
  }
}

function healthcheck(ins: Instruction): Record<string, unknown> {
  const t = ins.args.trim();
  if (/^NONE$/i.test(t)) return { Test: ["NONE"] };
  const m = t.match(/^CMD\s+([\s\S]+)$/i);
  if (!m) throw new BerthError("HEALTHCHECK: expected NONE or CMD …");
  const json = jsonForm(m[1]);
  return {
    Test: json ? ["CMD", ...json] : ["CMD-SHELL", m[1]],
    ...(ins.flags.interval ? { Interval: durationNs(ins.flags.interval, "interval") } : {}),
    ...(ins.flags.timeout ? { Timeout: durationNs(ins.flags.timeout, "timeout") } : {}),
    ...(ins.flags["start-period"] ? { StartPeriod: durationNs(ins.flags["start-period"], "start-period") } : {}),
    ...(ins.flags.retries ? { Retries: Number(ins.flags.retries) } : {}),
  };
}

/** RUN: a container on the stage's layers; its writable layer is the step's layer. */
async function runStep(
  opts: BuildOptions,
  state: State,
  command: string[],
  args: Map<string, string>,
  tmp: string,
  say: (l: string) => void,
): Promise<LayerRecord> {
  const root = opts.root;
  const id = newContainerId();
  const cfg = state.config.config ?? {};
  const image: ImageRecord = {
    id: "sha256:build",
    manifestDigest: "",
    manifestMediaType: "",
    repoTags: [],
    repoDigests: [],
    layers: state.layers,
    size: 0,
    platform: state.platform,
    addedAt: "",
  };
  // ARGs are the command's environment, not the image's (unless an ENV of the same name wins)
  const env = [...[...args].filter(([k]) => !(cfg.Env ?? []).some((e) => e.startsWith(`${k}=`))).map(([k, v]) => `${k}=${v}`)];
  const spec = buildSpec(id, "build", image, { ...state.config, config: { ...cfg, Entrypoint: null } }, {
    root,
    name: `berth-build-${id.slice(0, 12)}`,
    // which build made it: a build killed with -9 leaves its RUN container to the next build's sweep
    labels: { [BUILDER_PID_LABEL]: String(Deno.pid) },
    command,
    entrypoint: "",
    env,
    // an ordinary user's RUN steps share their network (no bridge without root)
    network: opts.network ?? (rootlessUser() ? "host" : "bridge"),
  }, { mounts: [], devices: [], security: { noNewPrivileges: false }, tuning: { ulimits: [], sysctls: {} }, log: { maxSize: 0, maxFile: 1 } });
  spec.process.args = command;
  makeContainerDir(root, id);
  createRecord(root, spec, { status: "created" });
  try {
    const c = await startContainer(id, { root, stdio: { stdin: "null", stdout: opts.quiet ? "piped" : "inherit", stderr: opts.quiet ? "piped" : "inherit" } });
    interrupt.pid = c.pid;
    if (interrupt.requested) onInterruptedStart(c.pid);
    const output = opts.quiet ? Promise.all([new Response(c.stdout).text(), new Response(c.stderr).text()]) : Promise.resolve(["", ""]);
    const { exitCode } = await c.status;
    interrupt.pid = 0;
    checkInterrupt();
    if (exitCode !== 0) {
      const [o, e] = await output;
      if (opts.quiet) say(o + e);
      throw new BerthError(`The command '${command.join(" ")}' returned a non-zero code: ${exitCode}`, 1);
    }
    return await storeLayerFromDir(root, tmp, join(root, "containers", id, "upper"), new Set(["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]));
  } finally {
    const rec = readRecord(root, id);
    await teardown(root, rec?.spec ?? spec, true, true);
  }
}

/** "Sending build context to berth  SIZE"; on a terminal, the size counts up while a large context is walked. */
function announceContext(context: string, ignore: Ignore, say: (l: string) => void, live: boolean): void {
  const line = (n: number) => `Sending build context to berth  ${preciseSize(n)}`;
  let shown = performance.now();
  const size = contextSize(context, ignore, live
    ? (n) => {
      if (performance.now() - shown < 100) return;
      shown = performance.now();
      Deno.stdout.writeSync(new TextEncoder().encode(`\r${line(n)}\x1b[K`));
    }
    : undefined);
  if (live) Deno.stdout.writeSync(new TextEncoder().encode("\r\x1b[K"));
  say(line(size));
}

const BUILDER_PID_LABEL = "berth.build.pid";

/** RUN containers of builds that are gone (killed before their cleanup ran). */
async function removeOrphanRunContainers(root: string): Promise<void> {
  for (const r of listRecords(root)) {
    const pid = Number(r.spec.labels?.[BUILDER_PID_LABEL]);
    if (pid && pid !== Deno.pid && !pidAlive(pid)) await removeContainer(root, r.spec.id, { force: true, volumes: true });
  }
}

/** A signal that came while the RUN container was being started: it goes at once. */
function onInterruptedStart(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* exited */ }
}

/** The filesystem a COPY --from or a --chown lookup reads: another stage's, or an image's. */
async function withStageRoot<T>(br: BuildRun, layers: LayerRecord[], fn: (rootfs: string) => Promise<T> | T): Promise<T> {
  const store = new Store(br.opts.root);
  const dir = join(br.tmp, `view-${crypto.randomUUID()}`);
  Deno.mkdirSync(dir);
  const rootfs = mountRootfs(dir, layers.map((l) => store.layerPath(l.diffId)), true);
  try {
    return await fn(rootfs);
  } finally {
    unmountRootfs(dir);
  }
}

async function sourceOf(br: BuildRun, flags: Record<string, string>): Promise<LayerRecord[] | null> {
  const from = flags.from;
  if (!from) return null;
  const byName = br.stages.find((s) => s.name === from.toLowerCase() || String(s.index) === from);
  if (byName) {
    if (!br.done[byName.index]) throw new BerthError(`COPY --from=${from}: that stage comes later`);
    return br.done[byName.index].layers;
  }
  const record = await findOrPull(br.opts.root, from, { root: br.opts.root, insecureRegistries: br.opts.insecureRegistries });
  return record.layers;
}

/** What a COPY/ADD's cache key must cover: the sources' contents (from the context or a stage). */
async function copyInputs(br: BuildRun, ins: Instruction, argsText: string, flags: Record<string, string>, where: string): Promise<string> {
  const { context, ignore, done, stages } = br;
  const words = splitWords(argsText);
  if (words.length < 2) throw new BerthError(`${where}: ${ins.cmd} requires at least two arguments: source and destination`);
  const srcs = words.slice(0, -1);
  if (flags.from) {
    // a stage's content is already named by its layers
    const st = stages.find((s) => s.name === flags.from.toLowerCase() || String(s.index) === flags.from);
    return st && done[st.index] ? done[st.index].layers.map((l) => l.diffId).join(",") : `image ${flags.from}`;
  }
  for (const s of srcs) if (/^https?:\/\//.test(s)) throw new BerthError(`${where}: ADD from a URL (${s}) is not supported: berth builds offline; download it into the context`);
  try {
    const rels = srcs.flatMap((s) => resolveSources(context, s, ignore, ins.cmd));
    return await hashSources(context, rels, ignore);
  } catch (err) {
    throw new BerthError(`${where}: ${messageOf(err)}`);
  }
}

function isTarball(path: string): boolean {
  return /\.(tar|tar\.gz|tgz)$/.test(path);
}

/** ADD of a local (optionally gzip'd) tar: its entries into `dir`, never outside it (layer_apply.ts). */
async function unpackTarball(path: string, dir: string): Promise<void> {
  const f = await Deno.open(path, { read: true });
  const head = new Uint8Array(2);
  await f.read(head);
  await f.seek(0, Deno.SeekMode.Start);
  const source = head[0] === 0x1f && head[1] === 0x8b ? f.readable.pipeThrough(new DecompressionStream("gzip")) : f.readable;
  const applier = new LayerApplier(dir);
  const parser = new TarParser(applier);
  for await (const chunk of source) parser.push(chunk);
  parser.end();
  applier.finish();
}

/** COPY/ADD: a layer made from a directory holding just the copied files. */
async function copyStep(br: BuildRun, state: State, ins: Instruction, argsText: string, flags: Record<string, string>): Promise<LayerRecord> {
  const { opts, context, ignore, tmp } = br;
  const words = splitWords(argsText);
  const srcs = words.slice(0, -1);
  const cfg = state.config.config ?? {};
  let dest = words[words.length - 1];
  if (!dest.startsWith("/")) dest = join(cfg.WorkingDir || "/", dest) + (dest.endsWith("/") || dest === "." ? "/" : "");
  const layerDir = join(tmp, `copy-${crypto.randomUUID()}`);
  Deno.mkdirSync(layerDir, { mode: 0o755 });
  let owner: Owner | null = null;
  if (flags.chown) {
    const [u, g] = flags.chown.split(":");
    if (/^\d+$/.test(u) && (g === undefined || /^\d+$/.test(g))) owner = { uid: Number(u), gid: Number(g ?? u) };
    else {
      owner = await withStageRoot(br, state.layers, (rootfs) => {
        const r = resolveUser(rootfs, flags.chown, []);
        return { uid: r.uid, gid: r.gid };
      });
    }
  }
  const fromLayers = await sourceOf(br, flags);
  const copyFrom = async (base: string, ign: Ignore | null) => {
    const rels = srcs.flatMap((s) => resolveSources(base, s, ign ?? new Ignore(), ins.cmd));
    if (ins.cmd === "ADD" && !fromLayers) {
      for (const rel of rels) {
        if (isTarball(rel) && Deno.statSync(realSource(base, rel)).isFile) {
          // ADD of a local archive: its contents, unpacked into the destination directory
          const target = join(layerDir, join("/", dest));
          Deno.mkdirSync(target, { recursive: true });
          await unpackTarball(realSource(base, rel), target);
        } else copySources(base, [rel], rels.length > 1 && !dest.endsWith("/") ? `${dest}/` : dest, layerDir, ign, owner);
      }
    } else copySources(base, rels, dest, layerDir, ign, owner);
  };
  if (fromLayers) await withStageRoot(br, fromLayers, (rootfs) => copyFrom(rootfs, null));
  else await copyFrom(context, ignore);
  const layer = await storeLayerFromDir(opts.root, tmp, layerDir);
  Deno.removeSync(layerDir, { recursive: true });
  return layer;
}


/** `builder prune`: forgets every cached step, then removes the layers no image uses any more. */
export async function pruneBuildCache(root: string): Promise<number> {
  const dir = join(root, "build-cache");
  let n = 0;
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (!e.name.endsWith(".json")) continue;
      Deno.removeSync(join(dir, e.name));
      n++;
    }
  } catch { /* no cache yet */ }
  const store = new Store(root);
  store.init();
  await collectGarbage(store);
  return n;
}
