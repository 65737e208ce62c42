import { renameContainer } from "../container/lifecycle.ts";
import type { Command } from "./command.ts";

export const renameCommand: Command = {
  name: "rename",
  summary: "Rename a container",
  usage: "CONTAINER NEW_NAME",
  options: {},
  args: [2, 2],
  async run(g, _v, [ref, name]) {
    await renameContainer(g.root, ref, name);
    return 0;
  },
};
