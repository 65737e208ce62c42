import { saveImages } from "../../mod.ts";
import type { SaveFormat } from "../image/save.ts";
import type { Command } from "./command.ts";

export const saveCommand: Command = {
  name: "save",
  summary: "Save one or more images to a tar archive (docker-archive or oci-archive)",
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  help: [
    "-o, --output FILE   write to FILE instead of stdout",
    "--format FORMAT     docker-archive (default) or oci-archive",
  ],
  options: { output: { type: "string", short: "o" }, format: { type: "string" } },
  args: [1, Infinity],
  async run(g, v, names) {
    await saveImages(names, {
      root: g.root,
      output: v.output as string | undefined,
      format: (v.format as SaveFormat | undefined) ?? "docker-archive",
    });
    return 0;
  },
};
