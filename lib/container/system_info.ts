/**
 * What `docker version` and `docker info` report, for the CLI (`berth version`, `berth info`) and the
 * Engine API (`/version`, `/info`) alike: one engine, two front ends.
 *
 * @example
 * ```ts
 * console.log(systemInfo("/var/lib/berth").ContainersRunning, versionInfo().ApiVersion);
 * ```
 */
import { VERSION } from "../version.ts";
import { listRecords } from "./state.ts";
import { listImages } from "../image/list.ts";
import { cgroupVersion } from "./cgroups/cgroup.ts";

export const API_VERSION = "1.41";
export const MIN_API_VERSION = "1.24";

/** The engine's version, as the Engine API's `/version` has it. */
export function versionInfo() {
  const kernel = Deno.osRelease();
  return {
    Platform: { Name: "berth" },
    Components: [{ Name: "Engine", Version: VERSION, Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: "linux", Arch: "amd64", KernelVersion: kernel } }],
    Version: VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: "",
    GoVersion: `deno${Deno.version.deno}`,
    Os: "linux",
    Arch: "amd64",
    KernelVersion: kernel,
    BuildTime: "",
  };
}

/** The root's containers and images and the host's facts, as the Engine API's `/info` has them. */
export function systemInfo(root: string) {
  const recs = listRecords(root);
  const count = (s: string) => recs.filter((r) => r.state.status === s && !r.state.paused).length;
  const paused = recs.filter((r) => r.state.paused).length;
  const v = cgroupVersion();
  return {
    ID: "berth",
    Containers: recs.length,
    ContainersRunning: count("running"),
    ContainersPaused: paused,
    ContainersStopped: recs.length - count("running") - paused,
    Images: listImages(root).length,
    Driver: "overlay2",
    DriverStatus: [["Backing Filesystem", "overlayfs"]],
    Plugins: { Volume: ["local"], Network: ["bridge", "host", "none"], Authorization: [], Log: ["json-file"] },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    PidsLimit: true,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: "json-file",
    CgroupDriver: "cgroupfs",
    CgroupVersion: String(v),
    KernelVersion: Deno.osRelease(),
    OperatingSystem: "berth",
    OSType: "linux",
    Architecture: "x86_64",
    NCPU: navigator.hardwareConcurrency,
    MemTotal: Deno.systemMemoryInfo().total,
    DockerRootDir: root,
    Name: Deno.hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: VERSION,
    Runtimes: { berth: { path: "berth" } },
    DefaultRuntime: "berth",
    Swarm: { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null },
    LiveRestoreEnabled: false,
    InitBinary: "",
    SecurityOptions: ["name=seccomp,profile=builtin"],
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ["127.0.0.0/8"], Mirrors: [] },
    Warnings: [],
  };
}
