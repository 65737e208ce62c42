/**
 * Creating a container: checking every option, finding (or pulling) the image, and writing the
 * container's record with the resolved spec — everything `berth create` does and `berth run` does first.
 */
import { pull } from "../image/pull.ts";
import { Progress } from "../image/progress.ts";
import { readImage } from "../image/inspect.ts";
import type { ImageConfig } from "../image/image_config.ts";
import { findImage } from "../image/image_lookup.ts";
import { type ImageRecord, Store } from "../image/store.ts";
import { BerthError, UsageError } from "../util/errors.ts";
import { capabilitySet } from "./capabilities.ts";
import { type ResourceLimits } from "./cgroups/limits.ts";
import { anonymousVolume, parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from "./mount_options.ts";
import { type ProcessFlags, processSpec } from "./process_spec.ts";
import { parseRestartPolicy } from "./restart_policy.ts";
import type { ContainerSpec, MountSpec } from "./spec.ts";
import { parseLogOptions } from "./logs.ts";
import type { Stdio } from "./stdio.ts";
import { claimName, createRecord, makeContainerDir, newContainerId, randomName } from "./state.ts";


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
  /** `--restart` */
  restart?: string;
  /** `--log-opt` */
  logOpts?: string[];
  /** started by the supervisor, not attached to this process */
  detach?: boolean;
  platform?: string;
  insecureRegistries?: string[];
}

export async function findOrPull(root: string, image: string, opts: RunOptions): Promise<ImageRecord> {
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

export function parseMounts(opts: RunOptions): MountSpec[] {
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

export function securityOpts(list: string[]): { noNewPrivileges: boolean } {
  let noNewPrivileges = false;
  for (const o of list) {
    if (o === "no-new-privileges" || o === "no-new-privileges:true" || o === "no-new-privileges=true") noNewPrivileges = true;
    else if (o === "no-new-privileges:false" || o === "no-new-privileges=false") noNewPrivileges = false;
    else if (!/^(seccomp|apparmor|label)[=:]/.test(o)) throw new UsageError(`invalid --security-opt: ${o}`);
  }
  return { noNewPrivileges };
}

/** The container's record from the image config and the options. */
export function buildSpec(id: string, image: string, record: ImageRecord, config: ImageConfig, opts: RunOptions, mounts: MountSpec[]): ContainerSpec {
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
    restartPolicy: parseRestartPolicy(opts.restart),
    log: parseLogOptions(opts.logOpts ?? []),
    tty: !!opts.tty,
    stopSignal: config.config?.StopSignal,
    created: new Date().toISOString(),
  };
}


/** Every check of the options that needs no image: run before anything is created. */
export function checkOptions(opts: RunOptions): MountSpec[] {
  const mounts = parseMounts(opts);
  capabilitySet({ privileged: opts.privileged, add: opts.capAdd, drop: opts.capDrop });
  securityOpts(opts.securityOpt ?? []);
  const policy = parseRestartPolicy(opts.restart);
  if (policy.name !== "no" && opts.rm) throw new UsageError("Conflicting options: --restart and --rm");
  parseLogOptions(opts.logOpts ?? []);
  return mounts;
}

/**
 * `berth create`: the container's directory, name and record (status "created"); nothing is mounted
 * and no process exists until it is started.
 */
export async function createContainer(image: string, opts: RunOptions): Promise<ContainerSpec> {
  const mounts = checkOptions(opts);
  const record = await findOrPull(opts.root, image, opts);
  const { config } = readImage(opts.root, record.id);
  const id = newContainerId();
  const spec = buildSpec(id, image, record, config, opts, mounts);
  makeContainerDir(opts.root, id);
  try {
    claimName(opts.root, spec.name, id);
  } catch (err) {
    Deno.removeSync(`${opts.root}/containers/${id}`, { recursive: true });
    throw err;
  }
  createRecord(opts.root, spec, { status: "created" });
  return spec;
}
