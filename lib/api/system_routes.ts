/** `/_ping`, `/version`, `/info`: what a client asks first (API version negotiation, `docker info`). */
import { VERSION } from "../version.ts";
import { listRecords } from "../container/state.ts";
import { listImages } from "../image/list.ts";
import { cgroupVersion } from "../container/cgroups/cgroup.ts";
import type { Router } from "./router.ts";

export const API_VERSION = "1.41";
export const MIN_API_VERSION = "1.24";

export function systemRoutes(router: Router, root: string): void {
  router.add("GET", "/_ping", async (_req, res) => {
    res.header("content-type", "text/plain; charset=utf-8").header("cache-control", "no-cache, no-store, must-revalidate");
    res.header("builder-version", "1"); // the classic builder: a Docker 23+ client needs DOCKER_BUILDKIT=0
    await res.send(200, "OK");
  });
  router.add("GET", "/version", async (_req, res) => {
    const kernel = Deno.osRelease();
    await res.send(200, {
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
    });
  });
  router.add("GET", "/info", async (_req, res) => {
    const recs = listRecords(root);
    const count = (s: string) => recs.filter((r) => r.state.status === s && !r.state.paused).length;
    const paused = recs.filter((r) => r.state.paused).length;
    const v = cgroupVersion();
    await res.send(200, {
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
    });
  });
}
