import { exportImage } from "../../mod.ts";
import { exportContainer } from "../container/files.ts";
import { findContainer } from "../container/state.ts";
import type { Command } from "./command.ts";

export const exportCommand: Command = {
  name: "export",
  summary: "Write a container's (or an image's) filesystem as a tar archive",
  usage: "[OPTIONS] CONTAINER|IMAGE",
  help: ["-o, --output FILE   write to FILE instead of stdout"],
  options: { output: { type: "string", short: "o" } },
  args: [1, 1],
  async run(g, v, [name]) {
    if (findContainer(g.root, name)) await exportContainer(g.root, name, v.output as string | undefined);
    else await exportImage(g.root, name, v.output as string | undefined);
    return 0;
  },
};
