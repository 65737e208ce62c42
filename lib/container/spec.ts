/** What a container is, once every flag and image default is resolved: the record kept under the root. */
import type { ResourceLimits } from "./cgroups/limits.ts";
import type { LogConfig } from "./logs.ts";
import type { RestartPolicy } from "./restart_policy.ts";
import type { HealthcheckSpec } from "./health.ts";
import type { SeccompSetting } from "./seccomp/setting.ts";
import type { Ulimit } from "./process_tuning.ts";

export interface MountSpec {
  type: "bind" | "volume" | "tmpfs";
  /** host path (bind), volume name (volume), unused (tmpfs) */
  source: string;
  /** absolute path in the container */
  destination: string;
  readOnly: boolean;
  /** tmpfs mount data, e.g. "size=65536k,mode=1777" */
  data?: string;
  /** a volume berth named itself (`-v /path`, or the image's VOLUME): removed with the container by --rm */
  anonymous?: boolean;
}

export type NamespaceMode = "private" | "host";

/** `-p [HOSTIP:]HOSTPORT:CTRPORT[/PROTO]`; hostPort 0: a free one, chosen at each start */
export interface PortSpec {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp";
}

export interface ProcessSpec {
  /** what runs: the entrypoint, then the command */
  args: string[];
  /** the two as Docker shows them (Config.Entrypoint, Config.Cmd); absent in records older than them */
  entrypoint?: string[];
  cmd?: string[];
  env: string[];
  cwd: string;
  /** as given (`-u` or the image's User), resolved at start */
  user: string;
  groupAdd: string[];
  tty: boolean;
  openStdin: boolean;
  /** the stdin ends when the first attached client's does (the API's StdinOnce: `docker run -i` without -d);
   * otherwise a detached container's stdin stays open between attaches, as Docker's does */
  stdinOnce?: boolean;
}

/** `--device HOST[:CTR[:PERMS]]`: a host device node made in the container and allowed by its cgroup. */
export interface DeviceSpec {
  path: string;
  type: "c" | "b";
  major: number;
  minor: number;
  /** r, w, m */
  perms: string;
  mode: number;
}

export interface ContainerSpec {
  id: string;
  name: string;
  /** the image as the user named it, and its ID */
  image: string;
  imageId: string;
  /** unpacked layer directories, bottom first */
  layers: string[];
  process: ProcessSpec;
  hostname: string;
  /** "none", "host", "container:ID", or the name of a bridge network ("bridge" is the default one) */
  network: string;
  /** `--ip` on a bridge network */
  ip?: string;
  /** `--network-alias`: more names on a user network */
  networkAliases?: string[];
  /** networks joined with `network connect` (as eth1, eth2, … at every start) */
  extraNetworks?: string[];
  /** `network connect --ip/--alias`: the address and names asked for on each of those */
  extraNetworkConfig?: Record<string, { ip?: string; aliases?: string[] }>;
  /** `--add-host`: "IP\tNAME" lines for /etc/hosts */
  extraHosts?: string[];
  /** `--dns` */
  dns?: string[];
  /** `--dns-search`, `--dns-option` */
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** Config.ExposedPorts: the image's and `--expose`'s ("80/tcp") */
  exposedPorts?: string[];
  /** `--cap-add`, `--cap-drop` as given (the set in force is `capabilities`) */
  capAdd?: string[];
  capDrop?: string[];
  /** `--volumes-from` as given (its mounts are in `mounts`) */
  volumesFrom?: string[];
  /** `-p`, `-P` */
  ports?: PortSpec[];
  /** `--device` */
  devices?: DeviceSpec[];
  /** the image's labels under `--label`s */
  labels?: Record<string, string>;
  /** the image's HEALTHCHECK or `--health-*` (run by the supervisor) */
  healthcheck?: HealthcheckSpec;
  namespaces: { pid: NamespaceMode; ipc: NamespaceMode; uts: NamespaceMode };
  mounts: MountSpec[];
  readOnlyRootfs: boolean;
  capabilities: number[];
  noNewPrivileges: boolean;
  /** `--security-opt seccomp=…`; absent: Docker's default profile (none when privileged) */
  seccomp?: SeccompSetting;
  privileged: boolean;
  limits: ResourceLimits;
  autoRemove: boolean;
  restartPolicy: RestartPolicy;
  log: LogConfig;
  /** -t: a terminal (also for starts by the supervisor) */
  tty: boolean;
  stopSignal?: string;
  /** `--stop-timeout`: seconds `stop` waits before KILL (default 10) */
  stopTimeout?: number;
  /** `--ulimit` */
  ulimits?: Ulimit[];
  /** `--sysctl` (namespaced keys only) */
  sysctls?: Record<string, string>;
  /** `--oom-score-adj` */
  oomScoreAdj?: number;
  /** `--init`: /sbin/docker-init runs as pid 1 and the command under it */
  init?: boolean;
  /** `--shm-size`, bytes (default 64 MiB) */
  shmSize?: number;
  created: string;
}
