import { versionInfo } from "../container/system_info.ts";
import { VERSION } from "../version.ts";
import { type Command, out } from "./command.ts";
import { renderFormat } from "./format.ts";

/**
 * `berth version`: as `docker version`, a client and a server part — berth is both (no daemon between), so
 * the two name the same engine; `--format '{{.Server.Version}}'` and `{{.Client.APIVersion}}` work.
 */
export const versionCommand: Command = {
  name: "version",
  summary: "Show the berth version information",
  usage: "[OPTIONS]",
  help: ["-f, --format string   a Go template ({{.Client.Version}}, {{.Server.Version}}, {{json .}} …)"],
  options: { format: { type: "string", short: "f" } },
  args: [0, 0],
  run(_g, v) {
    const server = versionInfo();
    const client = {
      Platform: { Name: "berth" },
      Version: VERSION,
      ApiVersion: server.ApiVersion,
      DefaultAPIVersion: server.ApiVersion,
      GitCommit: "",
      GoVersion: server.GoVersion,
      Os: server.Os,
      Arch: server.Arch,
      BuildTime: "",
      Context: "default",
    };
    const data = { Client: client, Server: server };
    if (v.format !== undefined) {
      out(renderFormat(v.format as string, [data], {}, () => JSON.stringify(data)));
      return Promise.resolve(0);
    }
    out([
      "Client:",
      ` Version:           ${client.Version}`,
      ` API version:       ${client.ApiVersion}`,
      ` Go version:        ${client.GoVersion}`,
      ` OS/Arch:           ${client.Os}/${client.Arch}`,
      ` Context:           ${client.Context}`,
      "",
      "Server: berth",
      " Engine:",
      `  Version:          ${server.Version}`,
      `  API version:      ${server.ApiVersion} (minimum version ${server.MinAPIVersion})`,
      `  Go version:       ${server.GoVersion}`,
      `  OS/Arch:          ${server.Os}/${server.Arch}`,
      `  Kernel version:   ${server.KernelVersion}`,
    ].join("\n"));
    return Promise.resolve(0);
  },
};
