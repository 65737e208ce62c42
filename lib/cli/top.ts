import { containerTop } from "../container/top.ts";
import { type Command, out } from "./command.ts";
import { formatTable } from "./table.ts";

export const topCommand: Command = {
  name: "top",
  summary: "Display the running processes of a container (the host's ps, default -ef)",
  usage: "CONTAINER [ps OPTIONS]",
  options: {},
  optionsFirst: true,
  args: [1, Infinity],
  async run(g, _v, [ref, ...psArgs]) {
    const { Titles, Processes } = await containerTop(g.root, ref, psArgs.length ? psArgs : undefined);
    out(formatTable(Titles, Processes));
    return 0;
  },
};
