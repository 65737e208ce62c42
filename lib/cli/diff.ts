import { diffContainer } from "../container/files.ts";
import { type Command, out } from "./command.ts";

export const diffCommand: Command = {
  name: "diff",
  summary: "Inspect changes to files on a container's filesystem (A added, C changed, D deleted)",
  usage: "CONTAINER",
  options: {},
  args: [1, 1],
  async run(g, _v, [ref]) {
    const lines = await diffContainer(g.root, ref);
    if (lines.length) out(lines.join("\n"));
    return 0;
  },
};
