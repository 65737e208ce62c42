import { exportImage } from "../../mod.ts";
import type { Command } from "./command.ts";

export const exportCommand: Command = {
  name: "export",
  summary: "Write an image's flattened filesystem as a tar archive",
  usage: "[OPTIONS] IMAGE",
  help: ["-o, --output FILE   write to FILE instead of stdout"],
  options: { output: { type: "string", short: "o" } },
  args: [1, 1],
  async run(g, v, [name]) {
    await exportImage(g.root, name, v.output as string | undefined);
    return 0;
  },
};
