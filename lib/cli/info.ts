import { systemInfo } from "../container/system_info.ts";
import { type Command, out } from "./command.ts";
import { renderFormat } from "./format.ts";

/** `berth info`: the root's containers and images and the host's facts, as `docker info` shows them. */
export const infoCommand: Command = {
  name: "info",
  summary: "Display system-wide information",
  usage: "[OPTIONS]",
  help: ["-f, --format string   a Go template ({{.ContainersRunning}}, {{json .}} …)"],
  options: { format: { type: "string", short: "f" } },
  args: [0, 0],
  run(g, v) {
    const i = systemInfo(g.root);
    if (v.format !== undefined) {
      out(renderFormat(v.format as string, [i], {}, () => JSON.stringify(i)));
      return Promise.resolve(0);
    }
    out([
      "Server:",
      ` Containers: ${i.Containers}`,
      `  Running: ${i.ContainersRunning}`,
      `  Paused: ${i.ContainersPaused}`,
      `  Stopped: ${i.ContainersStopped}`,
      ` Images: ${i.Images}`,
      ` Server Version: ${i.ServerVersion}`,
      ` Storage Driver: ${i.Driver}`,
      ` Logging Driver: ${i.LoggingDriver}`,
      ` Cgroup Driver: ${i.CgroupDriver}`,
      ` Cgroup Version: ${i.CgroupVersion}`,
      ` Plugins:`,
      `  Volume: ${i.Plugins.Volume.join(" ")}`,
      `  Network: ${i.Plugins.Network.join(" ")}`,
      `  Log: ${i.Plugins.Log.join(" ")}`,
      ` Runtimes: ${Object.keys(i.Runtimes).join(" ")}`,
      ` Default Runtime: ${i.DefaultRuntime}`,
      ` Security Options:`,
      ...i.SecurityOptions.map((o) => `  ${o.replace(/^name=/, "").replace(/,profile=/, "\n   Profile: ")}`),
      ` Kernel Version: ${i.KernelVersion}`,
      ` Operating System: ${i.OperatingSystem}`,
      ` OSType: ${i.OSType}`,
      ` Architecture: ${i.Architecture}`,
      ` CPUs: ${i.NCPU}`,
      ` Total Memory: ${(i.MemTotal / 2 ** 30).toFixed(3)}GiB`,
      ` Name: ${i.Name}`,
      ` Docker Root Dir: ${i.DockerRootDir}`,
    ].join("\n"));
    return Promise.resolve(0);
  },
};
