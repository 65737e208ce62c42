import { copyFromContainer, copyToContainer } from "../container/files.ts";
import { UsageError } from "../util/errors.ts";
import type { Command } from "./command.ts";

/** `NAME:/path` → [NAME, /path]; a plain host path → undefined. */
function containerPath(arg: string): [string, string] | undefined {
  const i = arg.indexOf(":");
  if (i <= 0 || arg.startsWith("/") || arg.startsWith(".")) return undefined;
  return [arg.slice(0, i), arg.slice(i + 1) || "/"];
}

export const cpCommand: Command = {
  name: "cp",
  summary: "Copy files between a container and the host (\"-\": a tar on stdin or stdout)",
  usage: "CONTAINER:SRC_PATH DEST_PATH|-\n        berth cp SRC_PATH|- CONTAINER:DEST_PATH",
  help: [
    "-a, --archive       archive mode (copy all uid/gid information)",
    "-L, --follow-link   always follow a symbol link in SRC_PATH",
  ],
  options: { archive: { type: "boolean", short: "a" }, "follow-link": { type: "boolean", short: "L" } },
  args: [2, 2],
  async run(g, v, [src, dest]) {
    const from = containerPath(src);
    const to = containerPath(dest);
    const copy = { archive: !!v.archive, followLink: !!v["follow-link"] };
    if (from && !to) await copyFromContainer(g.root, from[0], from[1], dest, copy);
    else if (to && !from) await copyToContainer(g.root, to[0], src, to[1], copy);
    else throw new UsageError("copying between containers is not supported: one of the paths must be a container's (NAME:PATH)");
    return 0;
  },
};
