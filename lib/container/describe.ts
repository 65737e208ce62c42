/** How containers look to `ps` and `inspect`: Docker's status strings, durations and JSON shape. */
import type { ContainerRecord } from "./state.ts";
import { containerDir } from "./state.ts";
import { logPath } from "./logs.ts";
import { humanDuration } from "../util/human.ts";
import type { EndpointState } from "./network/endpoint.ts";
import type { ContainerSpec } from "./spec.ts";
import { seccompName } from "./seccomp/setting.ts";
import { findNetwork } from "./network/networks.ts";
import { aliasesOn } from "./network/hosts.ts";

/** "Up 3 seconds", "Up 2 minutes (Paused)", "Exited (0) 5 seconds ago", "Restarting (1) …", "Created". */
export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const st = rec.state;
  if (st.restarting) return `Restarting (${st.exitCode ?? 0}) ${humanDuration(now - Date.parse(st.finishedAt ?? rec.spec.created))} ago`;
  if (st.status === "running") {
    const health = st.health ? ` (${st.health.status === "starting" ? "health: starting" : st.health.status})` : "";
    return `Up ${humanDuration(now - Date.parse(st.startedAt ?? rec.spec.created))}${st.paused ? " (Paused)" : health}`;
  }
  if (st.status === "exited") return `Exited (${st.exitCode ?? 0}) ${humanDuration(now - Date.parse(st.finishedAt ?? rec.spec.created))} ago`;
  return "Created";
}

/** Docker's state names: created, running, paused, restarting, exited. */
export function stateName(rec: ContainerRecord): string {
  if (rec.state.restarting) return "restarting";
  if (rec.state.status === "running") return rec.state.paused ? "paused" : "running";
  return rec.state.status;
}

/** The COMMAND column: quoted, cut to 20 characters like Docker's. */
export function commandText(rec: ContainerRecord): string {
  const full = rec.spec.process.args.join(" ");
  return `"${full.length > 20 ? full.slice(0, 19) + "…" : full}"`;
}

/** Config.Volumes: the container's volumes' destinations, as Docker lists them. */
function volumesOf(spec: ContainerSpec): Record<string, Record<string, never>> | null {
  const v = spec.mounts.filter((m) => m.type === "volume").map((m) => [m.destination, {}]);
  return v.length ? Object.fromEntries(v) : null;
}

/** Docker's NetworkSettings: the address while the container runs on a bridge network. */
function networkSettings(root: string, rec: ContainerRecord): Record<string, unknown> {
  const ep = rec.state.network;
  const net = rec.spec.network;
  const ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  for (const p of ep?.ports ?? rec.state.ports ?? rec.spec.ports ?? []) {
    (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp || "0.0.0.0", HostPort: String(p.hostPort) });
  }
  // on a user network the short ID is a name too (Docker's); the default networks have no aliases
  const endpoint = (e: EndpointState | undefined, network: string) => ({
    NetworkID: findNetwork(root, network)?.id ?? "",
    EndpointID: e?.endpointId ?? "",
    Aliases: ["bridge", "host", "none"].includes(network) ? [] : [...aliasesOn(rec.spec, network), rec.spec.id.slice(0, 12)],
    IPAddress: e?.ip ?? "",
    IPPrefixLen: e?.prefix ?? 0,
    Gateway: e?.gateway ?? "",
    MacAddress: e?.mac ?? "",
  });
  const networks: Record<string, unknown> = net.startsWith("container:") ? {} : { [net]: endpoint(ep, net) };
  for (const n of rec.spec.extraNetworks ?? []) networks[n] = endpoint(rec.state.connected?.find((e) => e.network === n), n);
  return {
    Bridge: ep?.bridge ?? "",
    IPAddress: ep?.ip ?? "",
    IPPrefixLen: ep?.prefix ?? 0,
    Gateway: ep?.gateway ?? "",
    MacAddress: ep?.mac ?? "",
    Ports: ports,
    Networks: networks,
  };
}

/** `berth inspect CONTAINER`, in Docker's shape. */
export function inspectRecord(root: string, rec: ContainerRecord): Record<string, unknown> {
  const { spec, state } = rec;
  const dir = containerDir(root, spec.id);
  const name = stateName(rec);
  return {
    Id: spec.id,
    Created: spec.created,
    Path: spec.process.args[0],
    Args: spec.process.args.slice(1),
    State: {
      Status: name,
      Running: state.status === "running",
      Paused: !!state.paused,
      Restarting: !!state.restarting,
      OOMKilled: !!state.oomKilled,
      Dead: false,
      Pid: state.status === "running" ? state.pid ?? 0 : 0,
      ExitCode: state.exitCode ?? 0,
      Error: state.error ?? "",
      StartedAt: state.startedAt ?? "0001-01-01T00:00:00Z",
      FinishedAt: state.finishedAt ?? "0001-01-01T00:00:00Z",
      ...(state.health
        ? {
          Health: {
            Status: state.health.status,
            FailingStreak: state.health.failingStreak,
            Log: state.health.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })),
          },
        }
        : {}),
    },
    Image: spec.imageId,
    ResolvConfPath: `${dir}/resolv.conf`,
    HostnamePath: `${dir}/hostname`,
    HostsPath: `${dir}/hosts`,
    LogPath: logPath(dir, spec.id),
    Name: `/${spec.name}`,
    RestartCount: state.restartCount ?? 0,
    Driver: "overlay",
    Platform: "linux",
    HostConfig: {
      // the -v mounts as given (a named volume by its name; anonymous ones and --mount's are not Binds)
      Binds: spec.mounts.filter((m) => m.type === "bind" || (m.type === "volume" && !m.anonymous))
        .map((m) => `${m.source}:${m.destination}${m.readOnly ? ":ro" : ""}`),
      VolumesFrom: spec.volumesFrom ?? null,
      PortBindings: portBindings(spec),
      PublishAllPorts: false,
      CapAdd: spec.capAdd ?? null,
      CapDrop: spec.capDrop ?? null,
      Dns: spec.dns ?? [],
      DnsSearch: spec.dnsSearch ?? [],
      DnsOptions: spec.dnsOptions ?? [],
      ExtraHosts: (spec.extraHosts ?? []).map((l) => l.split("\t").reverse().join(":")),
      NetworkMode: spec.network,
      PidMode: spec.namespaces.pid === "host" ? "host" : "",
      IpcMode: spec.namespaces.ipc === "host" ? "host" : "private",
      UTSMode: spec.namespaces.uts === "host" ? "host" : "",
      RestartPolicy: { Name: spec.restartPolicy?.name ?? "no", MaximumRetryCount: spec.restartPolicy?.maximumRetryCount ?? 0 },
      AutoRemove: spec.autoRemove,
      Privileged: spec.privileged,
      ReadonlyRootfs: spec.readOnlyRootfs,
      Memory: spec.limits.memory ?? 0,
      MemorySwap: spec.limits.memorySwap ?? 0,
      NanoCpus: spec.limits.cpus ? Math.round(spec.limits.cpus * 1e9) : 0,
      CpuShares: spec.limits.cpuShares ?? 0,
      PidsLimit: spec.limits.pidsLimit ?? null,
      BlkioWeight: spec.limits.blkioWeight ?? 0,
      CpusetCpus: spec.limits.cpusetCpus ?? "",
      CpusetMems: spec.limits.cpusetMems ?? "",
      BlkioDeviceReadBps: ioList(spec, "readBps"),
      BlkioDeviceWriteBps: ioList(spec, "writeBps"),
      BlkioDeviceReadIOps: ioList(spec, "readIops"),
      BlkioDeviceWriteIOps: ioList(spec, "writeIops"),
      Ulimits: (spec.ulimits ?? []).map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
      OomScoreAdj: spec.oomScoreAdj ?? 0,
      Init: spec.init ?? null,
      ShmSize: spec.shmSize ?? 64 << 20,
      ...(spec.sysctls ? { Sysctls: spec.sysctls } : {}),
      SecurityOpt: securityOptList(spec),
      // berth's own: the profile in force, also when it is the default one Docker leaves unnamed
      SeccompProfile: seccompName(spec.seccomp, spec.privileged),
      LogConfig: { Type: spec.log?.driver ?? "json-file", Config: spec.log?.maxSize ? { "max-size": String(spec.log.maxSize), "max-file": String(spec.log.maxFile) } : {} },
    },
    Mounts: spec.mounts.map((m) => ({
      Type: m.type,
      Name: m.type === "volume" ? m.source : undefined,
      Source: m.type === "volume" ? `${root}/volumes/${m.source}/_data` : m.source,
      Destination: m.destination,
      RW: !m.readOnly,
    })),
    Config: {
      Hostname: spec.hostname,
      Labels: spec.labels ?? {},
      User: spec.process.user,
      Tty: spec.tty,
      OpenStdin: spec.process.openStdin,
      StdinOnce: !!spec.process.stdinOnce,
      Env: spec.process.env,
      Cmd: spec.process.cmd ?? spec.process.args,
      Entrypoint: spec.process.entrypoint ?? null,
      Image: spec.image,
      ExposedPorts: spec.exposedPorts?.length ? Object.fromEntries(spec.exposedPorts.map((p) => [p, {}])) : null,
      Volumes: volumesOf(spec),
      WorkingDir: spec.process.cwd,
      StopSignal: spec.stopSignal ?? "SIGTERM",
      ...(spec.stopTimeout !== undefined ? { StopTimeout: spec.stopTimeout } : {}),
      ...(spec.healthcheck
        ? {
          Healthcheck: {
            Test: spec.healthcheck.test,
            Interval: spec.healthcheck.interval ?? 0,
            Timeout: spec.healthcheck.timeout ?? 0,
            StartPeriod: spec.healthcheck.startPeriod ?? 0,
            Retries: spec.healthcheck.retries ?? 0,
          },
        }
        : {}),
    },
    GraphDriver: {
      Name: "overlay2",
      Data: {
        LowerDir: spec.layers.slice().reverse().join(":"),
        MergedDir: `${dir}/merged`,
        UpperDir: `${dir}/upper`,
        WorkDir: `${dir}/work`,
      },
    },
    NetworkSettings: networkSettings(root, rec),
  };
}

/** HostConfig.PortBindings: the `-p`s as asked (host port "" when any free one will do). */
function portBindings(spec: ContainerSpec): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of spec.ports ?? []) {
    (out[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort ? String(p.hostPort) : "" });
  }
  return out;
}

/** HostConfig.SecurityOpt as Docker shows it: what was asked for. */
function securityOptList(spec: ContainerSpec): string[] {
  const list: string[] = [];
  if (spec.noNewPrivileges) list.push("no-new-privileges");
  if (spec.seccomp === "unconfined") list.push("seccomp=unconfined");
  else if (spec.seccomp) list.push(`seccomp=${spec.seccomp.file}`);
  return list;
}

/** Docker's [{Path, Rate}] lists of the block I/O limits. */
function ioList(spec: ContainerSpec, key: "readBps" | "writeBps" | "readIops" | "writeIops"): { Path: string; Rate: number }[] {
  return (spec.limits.deviceIo ?? []).filter((d) => d[key] !== undefined).map((d) => ({ Path: d.path, Rate: d[key]! }));
}
