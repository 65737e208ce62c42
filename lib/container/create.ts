/**
 * Creating a container: checking every option, finding (or pulling) the image, and writing the
 * container's record with the resolved spec — everything `berth create` does and `berth run` does first.
 */
import { parseOomScoreAdj, parseSysctls, parseUlimits, type Ulimit } from "./process_tuning.ts";
import { pull } from "../image/pull.ts";
import { Progress } from "../image/progress.ts";
import { readImage } from "../image/inspect.ts";
import type { ImageConfig } from "../image/image_config.ts";
import { findImage } from "../image/image_lookup.ts";
import { type ImageRecord, Store } from "../image/store.ts";
import { NotFoundError, UsageError } from "../util/errors.ts";
import { devNumbers } from "../ffi/sys.ts";
import { capabilitySet } from "./capabilities.ts";
import { parseBytes, type ResourceLimits } from "./cgroups/limits.ts";
import { parseSignal } from "./signals.ts";
import { DEFAULT_PIDS_LIMIT, readSettings } from "../image/settings.ts";
import type { DeviceSpec } from "./spec.ts";
import { parseSeccompOption, type SeccompSetting } from "./seccomp/setting.ts";
import { anonymousVolume, parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from "./mount_options.ts";
import { type ProcessFlags, processSpec } from "./process_spec.ts";
import { parseRestartPolicy } from "./restart_policy.ts";
import type { ContainerSpec, MountSpec, PortSpec } from "./spec.ts";
import { parseExpose, parsePublish, publishAll } from "./network/ports.ts";
import { isIP, isIPv4 } from "../util/ip.ts";
import { healthcheckFromConfig, type HealthcheckSpec } from "./health.ts";
import { type LogConfig, parseLogOptions } from "./logs.ts";
import type { Stdio } from "./stdio.ts";
import { createVolume } from "./volumes.ts";
import { claimName, createRecord, findContainer, makeContainerDir, newContainerId, randomName } from "./state.ts";
import { DEFAULT_NETWORK, readNetwork } from "./network/networks.ts";


export interface RunOptions extends ProcessFlags {
  root: string;
  name?: string;
  hostname?: string;
  /** `--label`: metadata over the image's labels */
  labels?: Record<string, string>;
  /** `--device HOST[:CTR[:rwm]]` */
  devices?: string[];
  /** remove the container when it exits */
  rm?: boolean;
  /** none, host, container:ID or a network's name (default: bridge) */
  network?: string;
  ip?: string;
  networkAliases?: string[];
  /** `--add-host NAME:IP` */
  addHosts?: string[];
  dns?: string[];
  /** `-p` */
  publish?: string[];
  /** `-P`: the image's EXPOSEd ports (and `--expose`'s), each on a free host port */
  publishAll?: boolean;
  /** `--expose PORT[-PORT][/PROTO]` */
  expose?: string[];
  /** `--dns-search`, `--dns-option`: resolv.conf's search and options lines */
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** `--volumes-from CONTAINER[:ro|rw]` */
  volumesFrom?: string[];
  /** `-q`: no pull progress */
  quiet?: boolean;
  /** `--health-cmd` etc. over the image's HEALTHCHECK; `none: true` is `--no-healthcheck` */
  health?: { cmd?: string; interval?: number; timeout?: number; startPeriod?: number; retries?: number; none?: boolean };
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
  /** `--log-driver`: json-file (default) or none */
  logDriver?: string;
  /** `--log-opt` */
  logOpts?: string[];
  /** started by the supervisor, not attached to this process */
  detach?: boolean;
  /** `--ulimit NAME=SOFT[:HARD]` */
  ulimits?: string[];
  /** `--sysctl KEY=VALUE` */
  sysctls?: string[];
  /** `--oom-score-adj` */
  oomScoreAdj?: string;
  /** `--shm-size` */
  shmSize?: string;
  /** `--stop-signal` (over the image's StopSignal) */
  stopSignal?: string;
  /** `--stop-timeout` seconds */
  stopTimeout?: string;
  /** `--init`: a reaping, signal-forwarding pid 1 runs the command */
  init?: boolean;
  /** `--cidfile`: the new container's ID is written there (it must not exist) */
  cidfile?: string;
  platform?: string;
  insecureRegistries?: string[];
}

export async function findOrPull(root: string, image: string, opts: RunOptions): Promise<ImageRecord> {
  const store = new Store(root);
  const found = findImage(store.readIndex(), image);
  if (found) return found;
  if (opts.pull === false) throw new NotFoundError(`No such image: ${image}`);
  if (!opts.quiet) console.error(`Unable to find image '${image}' locally`);
  const progress = opts.quiet ? undefined : new Progress(Deno.stderr.isTerminal() ? "tty" : "plain", Deno.stderr);
  await pull(image, { root, platform: opts.platform, insecureRegistries: opts.insecureRegistries, progress, quiet: opts.quiet });
  const rec = findImage(store.readIndex(), image);
  if (!rec) throw new NotFoundError(`No such image: ${image}`);
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
  // `--volumes-from C[:ro|rw]`: C's volumes and binds where no mount of this container's own goes
  for (const from of opts.volumesFrom ?? []) {
    const m = /^(.+?)(?::(ro|rw))?$/.exec(from)!;
    const other = findContainer(opts.root, m[1]);
    if (!other) throw new NotFoundError(`No such container: ${m[1]}`);
    for (const mount of other.spec.mounts) {
      if (mount.type === "tmpfs" || seen.has(mount.destination)) continue;
      seen.add(mount.destination);
      // the other container's anonymous volume stays its own: this one's --rm leaves it
      all.push({ ...mount, readOnly: m[2] ? m[2] === "ro" : mount.readOnly, anonymous: undefined });
    }
  }
  return all;
}

/** `--security-opt`: no-new-privileges, seccomp=unconfined|PROFILE.json (apparmor and label: accepted, no LSM here). */
export function securityOpts(list: string[]): { noNewPrivileges: boolean; seccomp?: SeccompSetting } {
  let noNewPrivileges = false;
  let seccomp: SeccompSetting | undefined;
  for (const o of list) {
    if (o === "no-new-privileges" || o === "no-new-privileges:true" || o === "no-new-privileges=true") noNewPrivileges = true;
    else if (o === "no-new-privileges:false" || o === "no-new-privileges=false") noNewPrivileges = false;
    else if (/^seccomp[=:]/.test(o)) seccomp = parseSeccompOption(o.slice(8));
    else if (!/^(apparmor|label)[=:]/.test(o)) throw new UsageError(`invalid --security-opt: ${o}`);
  }
  return { noNewPrivileges, seccomp };
}

/** The image's HEALTHCHECK, with `--health-*` over it (durations in ns, as in the config). */
function healthOf(opts: RunOptions, config: ImageConfig): HealthcheckSpec | undefined {
  const h = opts.health;
  if (h?.none) return undefined;
  const base = healthcheckFromConfig(config.config?.Healthcheck);
  if (!h?.cmd && !base) return undefined;
  return {
    test: h?.cmd ? ["CMD-SHELL", h.cmd] : base!.test,
    interval: h?.interval ?? base?.interval,
    timeout: h?.timeout ?? base?.timeout,
    startPeriod: h?.startPeriod ?? base?.startPeriod,
    retries: h?.retries ?? base?.retries,
  };
}

/** Config.ExposedPorts: the image's and `--expose`'s ("80/tcp"). */
function exposedPorts(opts: RunOptions, config: ImageConfig): string[] {
  const keys = Object.keys(config.config?.ExposedPorts ?? {}).map((k) => (k.includes("/") ? k : `${k}/tcp`));
  // sorted, as Go's JSON of Docker's map is
  return [...new Set([...keys, ...(opts.expose ?? []).flatMap(parseExpose)])].sort();
}

function publishedSpecs(opts: RunOptions, config: ImageConfig): PortSpec[] | undefined {
  const exposed = Object.fromEntries(exposedPorts(opts, config).map((k) => [k, {}]));
  const ports = [...(opts.publish ?? []).map(parsePublish), ...(opts.publishAll ? publishAll(exposed) : [])];
  return ports.length && opts.network !== "host" ? ports : undefined; // Docker ignores -p with the host's network
}

/** `--add-host NAME:IP` (IP may be `host-gateway`: the host's address on the container's network) → "IP\tNAME" */
export function parseAddHost(s: string): string {
  const i = s.indexOf(":");
  const [name, ip] = i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1).replace(/^\[(.*)\]$/, "$1")];
  if (i < 0 || !name || /\s/.test(name)) throw new UsageError(`invalid argument "${s}" for "--add-host" flag: expected NAME:IP`);
  if (ip !== HOST_GATEWAY && !isIP(ip)) throw new UsageError(`invalid argument "${s}" for "--add-host" flag: invalid IP address in add-host: "${ip}"`);
  return `${ip}\t${name}`;
}

export const HOST_GATEWAY = "host-gateway";

/** The container's record from the image config and the options. */
export function buildSpec(
  id: string,
  image: string,
  record: ImageRecord,
  config: ImageConfig,
  opts: RunOptions,
  { mounts, devices, security, tuning, log }: CheckedOptions,
  limits = containerLimits(opts, devices),
): ContainerSpec {
  const { noNewPrivileges, seccomp } = security;
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
    labels: { ...(config.config?.Labels ?? {}), ...(opts.labels ?? {}) },
    devices: devices.length ? devices : undefined,
    network: opts.network ?? DEFAULT_NETWORK,
    ip: opts.ip,
    networkAliases: opts.networkAliases?.length ? opts.networkAliases : undefined,
    extraHosts: opts.addHosts?.length ? opts.addHosts.map(parseAddHost) : undefined,
    dns: opts.dns?.length ? opts.dns : undefined,
    dnsSearch: opts.dnsSearch?.length ? opts.dnsSearch : undefined,
    dnsOptions: opts.dnsOptions?.length ? opts.dnsOptions : undefined,
    exposedPorts: exposedPorts(opts, config),
    capAdd: opts.capAdd?.length ? opts.capAdd : undefined,
    capDrop: opts.capDrop?.length ? opts.capDrop : undefined,
    volumesFrom: opts.volumesFrom?.length ? opts.volumesFrom : undefined,
    ports: publishedSpecs(opts, config),
    healthcheck: healthOf(opts, config),
    namespaces: { pid: opts.pid ?? "private", ipc: opts.ipc ?? "private", uts: opts.uts ?? "private" },
    mounts,
    readOnlyRootfs: !!opts.readOnly,
    capabilities: [...caps].sort((a, b) => a - b),
    noNewPrivileges,
    seccomp: opts.privileged ? undefined : seccomp,
    privileged: !!opts.privileged,
    limits,
    autoRemove: !!opts.rm,
    restartPolicy: parseRestartPolicy(opts.restart),
    log,
    tty: !!opts.tty,
    stopSignal: opts.stopSignal ?? config.config?.StopSignal,
    stopTimeout: opts.stopTimeout !== undefined ? Number(opts.stopTimeout) : undefined,
    ulimits: tuning.ulimits.length ? tuning.ulimits : undefined,
    sysctls: Object.keys(tuning.sysctls).length ? tuning.sysctls : undefined,
    oomScoreAdj: tuning.oomScoreAdj,
    init: opts.init || undefined,
    shmSize: tuning.shmSize,
    created: new Date().toISOString(),
  };
}


/** `opts.limits` with the root's default `--pids-limit` and the `--device` rules (2048 unless ROOT/config.json says otherwise). */
export function containerLimits(opts: RunOptions, devices: DeviceSpec[]): ResourceLimits {
  const limits = { ...(opts.limits ?? {}) };
  limits.pidsLimit ??= readSettings(opts.root).pidsLimit ?? DEFAULT_PIDS_LIMIT;
  if (devices.length) limits.devices = devices.map((d) => `${d.type} ${d.major}:${d.minor} ${d.perms}`);
  if (opts.privileged) limits.allDevices = true;
  return limits;
}

/** `--device HOST[:CTR[:PERMS]]` as Docker takes it: the host path must be a device node. */
export function parseDevices(list: string[]): DeviceSpec[] {
  return list.map((arg) => {
    const [host, second, third] = arg.split(":");
    const permsFirst = second !== undefined && third === undefined && /^[rwm]+$/.test(second);
    const path = permsFirst || !second ? host : second;
    const perms = (permsFirst ? second : third) ?? "rwm";
    if (!/^[rwm]{1,3}$/.test(perms)) throw new UsageError(`invalid device mode: ${perms}`);
    if (!path.startsWith("/")) throw new UsageError(`${path} is not an absolute path`);
    let st: Deno.FileInfo;
    try {
      st = Deno.statSync(host);
    } catch {
      throw new UsageError(`error gathering device information while adding custom device "${host}": no such file or directory`);
    }
    if (!st.isCharDevice && !st.isBlockDevice) throw new UsageError(`error gathering device information while adding custom device "${host}": not a device node`);
    return {
      path,
      type: st.isCharDevice ? "c" : "b",
      ...devNumbers(st.rdev ?? 0),
      perms,
      mode: (st.mode ?? 0o666) & 0o777,
    };
  });
}

/** Docker's and Podman's range for user and group IDs: a bigger number would wrap to root's. */
const MAX_ID = 2147483647;

function checkId(flag: string, value: string): void {
  for (const part of value.split(":")) {
    if (/^\d+$/.test(part) && Number(part) > MAX_ID) {
      throw new UsageError(`invalid argument "${value}" for "${flag}" flag: ${part} is out of range (IDs are 0 to ${MAX_ID})`);
    }
  }
}

/** What {@link checkOptions} parsed on the way, for {@link buildSpec}. */
export interface CheckedOptions {
  mounts: MountSpec[];
  devices: DeviceSpec[];
  security: { noNewPrivileges: boolean; seccomp?: SeccompSetting };
  tuning: { ulimits: Ulimit[]; sysctls: Record<string, string>; oomScoreAdj?: number; shmSize?: number };
  log: LogConfig;
}

/** Every check of the options that needs no image: run before anything is created. */
export function checkOptions(opts: RunOptions): CheckedOptions {
  const mounts = parseMounts(opts);
  if (opts.user) checkId("-u, --user", opts.user);
  const devices = parseDevices(opts.devices ?? []);
  for (const g of opts.groupAdd ?? []) checkId("--group-add", g);
  capabilitySet({ privileged: opts.privileged, add: opts.capAdd, drop: opts.capDrop });
  const security = securityOpts(opts.securityOpt ?? []);
  const policy = parseRestartPolicy(opts.restart);
  if (policy.name !== "no" && opts.rm) throw new UsageError("Conflicting options: --restart and --rm");
  const log = parseLogOptions(opts.logOpts ?? [], opts.logDriver);
  for (const h of opts.addHosts ?? []) parseAddHost(h);
  for (const d of opts.dns ?? []) if (!isIP(d)) throw new UsageError(`invalid argument "${d}" for "--dns" flag: ${d} is not an ip address`);
  if (opts.ip !== undefined && !isIPv4(opts.ip)) throw new UsageError(`invalid argument "${opts.ip}" for "--ip" flag: invalid string being converted to IP address: ${opts.ip}`);
  opts.network = checkNetwork(opts);
  for (const p of opts.publish ?? []) parsePublish(p);
  for (const p of opts.expose ?? []) parseExpose(p);
  if ((opts.publish?.length || opts.publishAll) && (opts.network === "none" || opts.network?.startsWith("container:"))) {
    throw new UsageError("conflicting options: port publishing and the container type network mode");
  }
  if (opts.stopSignal !== undefined) parseSignal(opts.stopSignal);
  if (opts.stopTimeout !== undefined && !(Number.isInteger(Number(opts.stopTimeout)) && Number(opts.stopTimeout) >= 0)) {
    throw new UsageError(`invalid argument "${opts.stopTimeout}" for "--stop-timeout" flag: expected seconds`);
  }
  if (opts.cidfile) {
    try {
      Deno.lstatSync(opts.cidfile);
      throw new UsageError(`container ID file found, make sure the other container isn't running or delete ${opts.cidfile}`);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  const tuning = {
    ulimits: parseUlimits(opts.ulimits ?? []),
    sysctls: parseSysctls(opts.sysctls ?? [], opts.network === "host"),
    oomScoreAdj: parseOomScoreAdj(opts.oomScoreAdj),
    shmSize: opts.shmSize !== undefined ? parseBytes("--shm-size", opts.shmSize) : undefined,
  };
  if (tuning.shmSize !== undefined && tuning.shmSize <= 0) throw new UsageError("invalid --shm-size: it must be greater than 0");
  return { mounts, devices, security, tuning, log };
}

/** The network as the spec records it (container:NAME → container:ID); refuses what cannot work. */
function checkNetwork(opts: RunOptions): string {
  const net = opts.network ?? DEFAULT_NETWORK;
  const userNetwork = !["none", "host", DEFAULT_NETWORK].includes(net) && !net.startsWith("container:");
  if (opts.ip && !userNetwork) throw new UsageError("user specified IP address is supported on user defined networks only");
  if (opts.networkAliases?.length && !userNetwork) throw new UsageError("network-scoped aliases are supported for user-defined networks only");
  if (net.startsWith("container:")) {
    const other = findContainer(opts.root, net.slice(10));
    if (!other) throw new NotFoundError(`No such container: ${net.slice(10)}`);
    return `container:${other.spec.id}`;
  }
  if (userNetwork && !readNetwork(opts.root, net)) throw new NotFoundError(`network ${net} not found`);
  return net;
}

/**
 * `berth create`: the container's directory, name and record (status "created"); nothing is mounted
 * and no process exists until it is started.
 */
export async function createContainer(image: string, opts: RunOptions): Promise<ContainerSpec> {
  const checked = checkOptions(opts);
  const record = await findOrPull(opts.root, image, opts);
  const { config } = readImage(opts.root, record.id);
  const id = newContainerId();
  const spec = buildSpec(id, image, record, config, opts, checked);
  makeContainerDir(opts.root, id);
  try {
    claimName(opts.root, spec.name, id);
  } catch (err) {
    Deno.removeSync(`${opts.root}/containers/${id}`, { recursive: true });
    throw err;
  }
  createRecord(opts.root, spec, { status: "created" });
  // named and anonymous volumes exist from the create on, as Docker's (seeded from the image at the first start)
  for (const m of spec.mounts) if (m.type === "volume") await createVolume(opts.root, m.source);
  if (opts.cidfile) writeCidfile(opts.cidfile, id);
  return spec;
}

/** `--cidfile`: created exclusively (Docker refuses an existing file), the ID without a newline. */
function writeCidfile(path: string, id: string): void {
  try {
    Deno.writeTextFileSync(path, id, { createNew: true });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) throw new UsageError(`container ID file found, make sure the other container isn't running or delete ${path}`);
    throw err;
  }
}
