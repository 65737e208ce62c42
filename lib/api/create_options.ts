/**
 * `POST /containers/create`'s body (Docker's ContainerConfig with HostConfig and NetworkingConfig) as the
 * options `berth create` takes: one translation, so a container made through the API is the same as one
 * made by the CLI.
 */
import type { RunOptions } from "../container/create.ts";
import { parseCpuset, type ResourceLimits } from "../container/cgroups/limits.ts";
import { messageOf } from "../util/errors.ts";
import { HttpError } from "./http/server.ts";
import type { ContainerUpdate } from "../container/update.ts";
import { parseRestartPolicy } from "../container/restart_policy.ts";

type Json = Record<string, unknown>;

const strings = (v: unknown, field: string): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  throw new HttpError(400, `${field}: expected a list of strings`);
};
const num = (v: unknown, field: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new HttpError(400, `${field}: expected a number`);
  return v;
};
const obj = (v: unknown, field: string): Json => {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new HttpError(400, `${field}: expected an object`);
  return v as Json;
};

/** Docker's Resources fields (in HostConfig, or an update's body): 0 means not set, PidsLimit is kept as sent. */
function resources(o: Json, prefix: string): ResourceLimits {
  const limits: ResourceLimits = {};
  const field = (k: string) => num(o[k], prefix + k);
  const memory = field("Memory"), swap = field("MemorySwap"), nano = field("NanoCpus"), quota = field("CpuQuota");
  const shares = field("CpuShares"), pids = field("PidsLimit"), weight = field("BlkioWeight");
  if (memory) limits.memory = memory;
  if (swap) limits.memorySwap = swap;
  if (nano) limits.cpus = nano / 1e9;
  else if (quota && quota > 0) limits.cpus = quota / (field("CpuPeriod") || 100000);
  if (shares) limits.cpuShares = shares;
  if (pids !== undefined) limits.pidsLimit = pids;
  if (weight) limits.blkioWeight = weight;
  for (const [k, flag] of [["CpusetCpus", "cpus"], ["CpusetMems", "mems"]] as const) {
    const s = o[k];
    if (typeof s === "string" && s) {
      try {
        limits[flag === "cpus" ? "cpusetCpus" : "cpusetMems"] = parseCpuset(flag, s);
      } catch (e) {
        throw new HttpError(400, messageOf(e));
      }
    }
  }
  return limits;
}

/** The image and the options for `createContainer`. */
export function createOptions(root: string, body: Json, name: string | undefined): { image: string; opts: RunOptions } {
  const image = body.Image;
  if (typeof image !== "string" || !image) throw new HttpError(400, "config.Image: an image is required");
  const hc = obj(body.HostConfig, "HostConfig");
  const nc = obj(obj(body.NetworkingConfig, "NetworkingConfig").EndpointsConfig, "EndpointsConfig");

  // Entrypoint: the whole list replaces the image's; [] or [""] clears it
  const ep = strings(body.Entrypoint, "Entrypoint");
  const cmd = strings(body.Cmd, "Cmd");
  const entrypoint = ep ?? undefined;
  const command = cmd;

  const limits: ResourceLimits = resources(hc, "HostConfig.");
  if (limits.pidsLimit === 0) delete limits.pidsLimit; // the default

  const publish: string[] = [];
  for (const [port, bindings] of Object.entries(obj(hc.PortBindings, "HostConfig.PortBindings"))) {
    for (const b of (bindings as Json[] | null) ?? [{}]) {
      const ip = typeof b.HostIp === "string" && b.HostIp ? `${b.HostIp}:` : "";
      const hostPort = typeof b.HostPort === "string" ? b.HostPort : "";
      publish.push(ip ? `${ip}${hostPort}:${port}` : hostPort ? `${hostPort}:${port}` : port);
    }
  }
  const restart = obj(hc.RestartPolicy, "HostConfig.RestartPolicy");
  const restartName = typeof restart.Name === "string" ? restart.Name : "";
  const network = typeof hc.NetworkMode === "string" && hc.NetworkMode && hc.NetworkMode !== "default" ? hc.NetworkMode : undefined;
  const endpoint = network ? obj(nc[network], `EndpointsConfig.${network}`) : {};
  const devices = ((hc.Devices as Json[] | null) ?? []).map((d) =>
    `${d.PathOnHost}${d.PathInContainer ? `:${d.PathInContainer}` : ""}${d.CgroupPermissions ? `:${d.CgroupPermissions}` : ""}`
  );
  const mounts = ((hc.Mounts as Json[] | null) ?? []).map((m) =>
    [`type=${m.Type ?? "volume"}`, m.Source ? `source=${m.Source}` : "", `target=${m.Target}`, m.ReadOnly ? "readonly" : ""].filter(Boolean).join(",")
  );
  const tmpfs = Object.entries(obj(hc.Tmpfs, "HostConfig.Tmpfs")).map(([p, o]) => (o ? `${p}:${o}` : p));
  const log = obj(obj(hc.LogConfig, "HostConfig.LogConfig").Config, "HostConfig.LogConfig.Config");

  const opts: RunOptions = {
    root,
    name: name || undefined,
    command: command?.length ? command : undefined,
    entrypoint,
    env: strings(body.Env, "Env"),
    workdir: typeof body.WorkingDir === "string" && body.WorkingDir ? body.WorkingDir : undefined,
    user: typeof body.User === "string" && body.User ? body.User : undefined,
    groupAdd: strings(hc.GroupAdd, "HostConfig.GroupAdd"),
    hostname: typeof body.Hostname === "string" && body.Hostname ? body.Hostname : undefined,
    labels: body.Labels ? (obj(body.Labels, "Labels") as Record<string, string>) : undefined,
    tty: !!body.Tty,
    interactive: !!body.OpenStdin,
    stdinOnce: !!body.StdinOnce,
    rm: !!hc.AutoRemove,
    network,
    ip: typeof obj(endpoint.IPAMConfig, "IPAMConfig").IPv4Address === "string" ? obj(endpoint.IPAMConfig, "IPAMConfig").IPv4Address as string : undefined,
    networkAliases: strings(endpoint.Aliases, "Aliases"),
    addHosts: strings(hc.ExtraHosts, "HostConfig.ExtraHosts"),
    dns: strings(hc.Dns, "HostConfig.Dns"),
    dnsSearch: strings(hc.DnsSearch, "HostConfig.DnsSearch"),
    dnsOptions: strings(hc.DnsOptions, "HostConfig.DnsOptions"),
    expose: Object.keys(obj(body.ExposedPorts, "ExposedPorts")),
    volumesFrom: strings(hc.VolumesFrom, "HostConfig.VolumesFrom"),
    publish: publish.length ? publish : undefined,
    publishAll: !!hc.PublishAllPorts,
    pid: hc.PidMode === "host" ? "host" : undefined,
    ipc: hc.IpcMode === "host" ? "host" : undefined,
    uts: hc.UTSMode === "host" ? "host" : undefined,
    volumes: strings(hc.Binds, "HostConfig.Binds"),
    mounts: mounts.length ? mounts : undefined,
    tmpfs: tmpfs.length ? tmpfs : undefined,
    readOnly: !!hc.ReadonlyRootfs,
    capAdd: strings(hc.CapAdd, "HostConfig.CapAdd"),
    capDrop: strings(hc.CapDrop, "HostConfig.CapDrop"),
    privileged: !!hc.Privileged,
    securityOpt: strings(hc.SecurityOpt, "HostConfig.SecurityOpt"),
    devices: devices.length ? devices : undefined,
    limits,
    restart: restartName && restartName !== "no"
      ? restartName === "on-failure" && restart.MaximumRetryCount ? `on-failure:${restart.MaximumRetryCount}` : restartName
      : undefined,
    logDriver: typeof obj(hc.LogConfig, "HostConfig.LogConfig").Type === "string" && obj(hc.LogConfig, "HostConfig.LogConfig").Type
      ? obj(hc.LogConfig, "HostConfig.LogConfig").Type as string
      : undefined,
    logOpts: Object.entries(log).map(([k, v]) => `${k}=${v}`),
    // as the flags would give them: the same checks apply
    ulimits: Array.isArray(hc.Ulimits) ? (hc.Ulimits as Array<{ Name?: string; Soft?: number; Hard?: number }>).map((u) => `${u.Name}=${u.Soft}:${u.Hard}`) : undefined,
    sysctls: hc.Sysctls ? Object.entries(obj(hc.Sysctls, "HostConfig.Sysctls")).map(([k, v]) => `${k}=${v}`) : undefined,
    oomScoreAdj: typeof hc.OomScoreAdj === "number" && hc.OomScoreAdj ? String(hc.OomScoreAdj) : undefined,
    init: hc.Init === true,
    shmSize: typeof hc.ShmSize === "number" && hc.ShmSize > 0 ? String(hc.ShmSize) : undefined,
    stopSignal: typeof body.StopSignal === "string" && body.StopSignal ? body.StopSignal : undefined,
    stopTimeout: typeof body.StopTimeout === "number" ? String(body.StopTimeout) : undefined,
    detach: true,
    pull: false, // the client pulls (POST /images/create) when create says the image is missing
  };
  return { image, opts };
}

/**
 * `POST /containers/{id}/update`'s body as a {@link ContainerUpdate}: Docker's clients send every field,
 * 0 (or an empty restart policy name) meaning "unchanged"; PidsLimit is sent only when given.
 */
export function updateOptions(body: Json): ContainerUpdate {
  const upd: ContainerUpdate = { limits: resources(body, "") };
  const restart = obj(body.RestartPolicy, "RestartPolicy");
  if (typeof restart.Name === "string" && restart.Name) {
    const max = num(restart.MaximumRetryCount, "RestartPolicy.MaximumRetryCount");
    try {
      upd.restartPolicy = parseRestartPolicy(restart.Name === "on-failure" && max ? `on-failure:${max}` : restart.Name);
    } catch (err) {
      throw new HttpError(400, err instanceof Error ? err.message : String(err));
    }
  }
  return upd;
}
