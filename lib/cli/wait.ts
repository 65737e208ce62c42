import { waitContainer } from "../../mod.ts";
import { type Command, out } from "./command.ts";

export const waitCommand: Command = {
  name: "wait",
  summary: "Block until one or more containers stop, then print their exit codes",
  usage: "CONTAINER [CONTAINER...]",
  options: {},
  args: [1, Infinity],
  async run(g, _v, refs) {
    for (const r of refs) out(String(await waitContainer(g.root, r)));
    return 0;
  },
};
