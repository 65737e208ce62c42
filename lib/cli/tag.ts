import { tagImage } from "../../mod.ts";
import type { Command } from "./command.ts";

export const tagCommand: Command = {
  name: "tag",
  summary: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  options: {},
  args: [2, 2],
  async run(g, _v, [source, target]) {
    await tagImage(g.root, source, target);
    return 0;
  },
};
