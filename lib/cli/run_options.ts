/** The options `berth run` and `berth create` share (Docker's names), and their conversion to RunOptions. */
import type { RunOptions } from "../../mod.ts";
import { parseLimits } from "../container/cgroups/limits.ts";
import { readEnvFile } from "../container/process_spec.ts";
import { UsageError } from "../util/errors.ts";
import type { GlobalOptions } from "./command.ts";
import type { OptionsConfig } from "./parse_args.ts";

const list = (v: unknown) => (v as string[] | undefined) ?? [];

/** `--label-file` lines first, then `--label`s (a later one wins), as Docker merges them. */
export function labelOptions(v: Record<string, unknown>): Record<string, string> | undefined {
  // a label file has an env file's grammar: KEY=VALUE lines, blank lines and # comments skipped
  return parseLabels([...list(v["label-file"]).flatMap(readEnvFile), ...list(v.label)]);
}

/** The option every command with `--label` also takes. */
export const LABEL_FILE_OPTION = { type: "string", multiple: true } as const;

/** `--label k=v` (a bare `k` is `k=""`), as Docker takes them. */
export function parseLabels(items: string[]): Record<string, string> | undefined {
  if (!items.length) return undefined;
  const out: Record<string, string> = {};
  for (const l of items) {
    const i = l.indexOf("=");
    const k = i < 0 ? l : l.slice(0, i);
    if (!k) throw new UsageError(`invalid label '${l}': empty name`);
    out[k] = i < 0 ? "" : l.slice(i + 1);
  }
  return out;
}

function hostOrPrivate(flag: string, v: unknown): "host" | undefined {
  if (v === undefined || v === "" || v === "private") return undefined;
  if (v === "host") return "host";
  throw new UsageError(`--${flag}: "${v}" is not supported (use host)`);
}

export const CREATE_HELP = [
  "-i, --interactive          keep STDIN open",
  "-t, --tty                  allocate a pseudo-TTY",
  "    --rm                   remove the container when it exits",
  "    --name string          assign a name to the container",
  "    --restart string       no, on-failure[:max-retries], always, unless-stopped",
  "    --log-driver string    logging driver: json-file (default) or none",
  "    --log-opt list         json-file log options: max-size=10m, max-file=3",
  "-e, --env list             set environment variables",
  "    --env-file list        read in a file of environment variables",
  "-w, --workdir string       working directory inside the container",
  "-u, --user string          username or UID (format: <name|uid>[:<group|gid>])",
  "    --group-add list       additional groups to join",
  "    --entrypoint string    overwrite the default ENTRYPOINT of the image",
  "-h, --hostname string      container host name",
  "-l, --label list           set metadata on the container (key=value)",
  "    --label-file list      read in a line delimited file of labels",
  "    --network string       bridge (default), a network's name, none, host, container:NAME|ID",
  "    --ip string            IPv4 address on a user network (e.g. 10.90.0.10)",
  "    --network-alias list   more names for the container on a user network",
  "    --add-host list        add a custom host-to-IP mapping (host:ip)",
  "    --dns list             set custom DNS servers",
  "    --dns-search list      set custom DNS search domains",
  "    --dns-option list      set DNS options (ndots:2, …)",
  "    --expose list          expose a port or a range of ports (PORT[-PORT][/PROTO])",
  "    --volumes-from list    mount volumes from the specified container(s) (NAME[:ro|rw])",
  "-q, --quiet                suppress the pull output",
  "-p, --publish list         publish a container's port: [hostip:][hostport:]ctrport[/tcp|udp]",
  "-P, --publish-all          publish all exposed ports to free host ports",
  "    --health-cmd string    command to run to check health (detached containers)",
  "    --health-interval, --health-timeout, --health-start-period duration (e.g. 30s, 500ms)",
  "    --health-retries int   consecutive failures needed to report unhealthy",
  "    --no-healthcheck       disable any container-specified HEALTHCHECK",
  "    --pid, --ipc, --uts    host: share the host's namespace",
  "-v, --volume list          bind mount a volume (/host:/ctr[:ro], name:/ctr, /ctr)",
  "    --mount mount          type=bind|volume|tmpfs,source=…,target=…[,readonly]",
  "    --tmpfs list           mount a tmpfs directory (/ctr[:size=64m,mode=1777])",
  "    --read-only            mount the container's root filesystem as read only",
  "    --cap-add list         add Linux capabilities",
  "    --cap-drop list        drop Linux capabilities",
  "    --privileged           give extended privileges to this container",
  "    --device list          add a host device: HOST[:CONTAINER[:rwm]]",
  "    --security-opt list    no-new-privileges",
  "-m, --memory bytes         memory limit",
  "    --memory-swap bytes    memory + swap limit (-1: unlimited swap)",
  "    --cpus decimal         number of CPUs",
  "-c, --cpu-shares int       CPU shares (relative weight)",
  "    --cpuset-cpus string   CPUs in which to allow execution (0-3, 0,1)",
  "    --cpuset-mems string   memory nodes in which to allow execution (0-3, 0,1)",
  "    --pids-limit int       tune container pids limit (-1 for unlimited)",
  "    --blkio-weight uint16  block IO (relative weight), between 10 and 1000",
  "    --device-read-bps list   limit read rate (bytes per second) from a device: PATH:RATE",
  "    --device-write-bps list  limit write rate (bytes per second) to a device",
  "    --device-read-iops list  limit read rate (IO per second) from a device: PATH:N",
  "    --device-write-iops list limit write rate (IO per second) to a device",
  "    --ulimit list          ulimit options: NAME=SOFT[:HARD] (nofile, nproc, core, …)",
  "    --sysctl list          namespaced kernel parameters: KEY=VALUE (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)",
  "    --oom-score-adj int    tune the host's OOM preferences (-1000 to 1000)",
  "    --shm-size bytes       size of /dev/shm (default 64m)",
  "    --stop-signal string   signal to stop the container (default: the image's, else SIGTERM)",
  "    --stop-timeout int     seconds `stop` waits before killing the container (default 10)",
  "    --cidfile string       write the container ID to the file",
  "    --init                 run an init inside the container that forwards signals and reaps processes",
  "    --pull string          pull image before running (missing, never)",
  "    --platform string      platform if the image has to be pulled",
];

export const CREATE_OPTIONS: OptionsConfig = {
  interactive: { type: "boolean", short: "i" },
  tty: { type: "boolean", short: "t" },
  rm: { type: "boolean" },
  name: { type: "string" },
  restart: { type: "string" },
  "log-driver": { type: "string" },
  "log-opt": { type: "string", multiple: true },
  env: { type: "string", short: "e", multiple: true },
  "env-file": { type: "string", multiple: true },
  workdir: { type: "string", short: "w" },
  user: { type: "string", short: "u" },
  "group-add": { type: "string", multiple: true },
  entrypoint: { type: "string" },
  hostname: { type: "string", short: "h" },
  label: { type: "string", short: "l", multiple: true },
  "label-file": LABEL_FILE_OPTION,
  network: { type: "string" },
  net: { type: "string" },
  ip: { type: "string" },
  "network-alias": { type: "string", multiple: true },
  "add-host": { type: "string", multiple: true },
  dns: { type: "string", multiple: true },
  "dns-search": { type: "string", multiple: true },
  "dns-option": { type: "string", multiple: true },
  expose: { type: "string", multiple: true },
  "volumes-from": { type: "string", multiple: true },
  quiet: { type: "boolean", short: "q" },
  publish: { type: "string", short: "p", multiple: true },
  "publish-all": { type: "boolean", short: "P" },
  "health-cmd": { type: "string" },
  "health-interval": { type: "string" },
  "health-timeout": { type: "string" },
  "health-start-period": { type: "string" },
  "health-retries": { type: "string" },
  "no-healthcheck": { type: "boolean" },
  pid: { type: "string" },
  ipc: { type: "string" },
  uts: { type: "string" },
  volume: { type: "string", short: "v", multiple: true },
  mount: { type: "string", multiple: true },
  tmpfs: { type: "string", multiple: true },
  "read-only": { type: "boolean" },
  "cap-add": { type: "string", multiple: true },
  "cap-drop": { type: "string", multiple: true },
  privileged: { type: "boolean" },
  device: { type: "string", multiple: true },
  "security-opt": { type: "string", multiple: true },
  memory: { type: "string", short: "m" },
  "memory-swap": { type: "string" },
  cpus: { type: "string" },
  "cpu-shares": { type: "string", short: "c" },
  "cpuset-cpus": { type: "string" },
  "cpuset-mems": { type: "string" },
  "pids-limit": { type: "string" },
  "blkio-weight": { type: "string" },
  "device-read-bps": { type: "string", multiple: true },
  "device-write-bps": { type: "string", multiple: true },
  "device-read-iops": { type: "string", multiple: true },
  "device-write-iops": { type: "string", multiple: true },
  ulimit: { type: "string", multiple: true },
  sysctl: { type: "string", multiple: true },
  "oom-score-adj": { type: "string" },
  "shm-size": { type: "string" },
  "stop-signal": { type: "string" },
  cidfile: { type: "string" },
  init: { type: "boolean" },
  "stop-timeout": { type: "string" },
  pull: { type: "string" },
  platform: { type: "string" },
};

export function toRunOptions(g: GlobalOptions, v: Record<string, unknown>, command: string[]): RunOptions {
  const network = (v.network ?? v.net ?? "bridge") as string;
  const pullPolicy = (v.pull as string | undefined) ?? "missing";
  if (pullPolicy !== "missing" && pullPolicy !== "never") {
    throw new UsageError(`invalid pull option: '${pullPolicy}': must be one of "missing" or "never"`);
  }
  return {
    root: g.root,
    command,
    interactive: !!v.interactive,
    tty: !!v.tty,
    rm: !!v.rm,
    name: v.name as string | undefined,
    restart: v.restart as string | undefined,
    logDriver: v["log-driver"] as string | undefined,
    logOpts: list(v["log-opt"]),
    env: list(v.env),
    envFile: list(v["env-file"]),
    workdir: v.workdir as string | undefined,
    user: v.user as string | undefined,
    groupAdd: list(v["group-add"]),
    entrypoint: v.entrypoint as string | undefined,
    hostname: v.hostname as string | undefined,
    labels: labelOptions(v),
    devices: list(v.device),
    network,
    ip: v.ip as string | undefined,
    networkAliases: list(v["network-alias"]),
    addHosts: list(v["add-host"]),
    dns: list(v.dns),
    dnsSearch: list(v["dns-search"]),
    dnsOptions: list(v["dns-option"]),
    expose: list(v.expose),
    volumesFrom: list(v["volumes-from"]),
    quiet: !!v.quiet,
    publish: list(v.publish),
    publishAll: !!v["publish-all"],
    health: healthOptions(v),
    pid: hostOrPrivate("pid", v.pid),
    ipc: hostOrPrivate("ipc", v.ipc),
    uts: hostOrPrivate("uts", v.uts),
    volumes: list(v.volume),
    mounts: list(v.mount),
    tmpfs: list(v.tmpfs),
    readOnly: !!v["read-only"],
    capAdd: list(v["cap-add"]),
    capDrop: list(v["cap-drop"]),
    privileged: !!v.privileged,
    securityOpt: list(v["security-opt"]),
    limits: parseLimits(v),
    ulimits: list(v.ulimit),
    sysctls: list(v.sysctl),
    oomScoreAdj: v["oom-score-adj"] as string | undefined,
    shmSize: v["shm-size"] as string | undefined,
    stopSignal: v["stop-signal"] as string | undefined,
    cidfile: v.cidfile as string | undefined,
    init: !!v.init,
    stopTimeout: v["stop-timeout"] as string | undefined,
    pull: pullPolicy !== "never",
    platform: v.platform as string | undefined,
    insecureRegistries: g.insecureRegistries,
  };
}

/** `--health-*`: durations as Go writes them (1m30s, 500ms, 2s) → nanoseconds. */
function healthOptions(v: Record<string, unknown>): RunOptions["health"] {
  const dur = (flag: string): number | undefined => {
    const s = v[flag] as string | undefined;
    if (s === undefined) return undefined;
    let ns = 0;
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
    let used = 0;
    for (const m of s.matchAll(re)) {
      ns += Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as "ms"];
      used += m[0].length;
    }
    if (!s || used !== s.length) throw new UsageError(`invalid argument "${s}" for "--${flag}" flag: expected a duration like 30s or 500ms`);
    return Math.round(ns);
  };
  const retries = v["health-retries"] === undefined ? undefined : Number(v["health-retries"]);
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 1)) throw new UsageError(`invalid argument "${v["health-retries"]}" for "--health-retries" flag`);
  return {
    cmd: v["health-cmd"] as string | undefined,
    interval: dur("health-interval"),
    timeout: dur("health-timeout"),
    startPeriod: dur("health-start-period"),
    retries,
    none: !!v["no-healthcheck"],
  };
}

/** `-t, --timeout` (Docker 23+; `--time` is its older name, still taken) and `-s, --signal` of stop and restart:
 * seconds before SIGKILL (default: the container's --stop-timeout, else 10), and the signal. */
export const STOP_TIME_OPTION = { timeout: { type: "string", short: "t" }, time: { type: "string" }, signal: { type: "string", short: "s" } } as const;
export const STOP_TIME_HELP = "-t, --timeout int    seconds to wait before killing the container (default: its --stop-timeout, else 10)\n-s, --signal string  signal to send (default: its stop signal, else SIGTERM)";

export function stopTimeout(v: Record<string, unknown>): number | undefined {
  const given = v.timeout ?? v.time;
  if (given === undefined) return undefined;
  const t = Number(given);
  if (!Number.isFinite(t) || t < 0) throw new UsageError(`invalid argument "${given}" for "-t, --timeout" flag`);
  return t;
}
