import { supervise } from "../container/supervisor.ts";
import type { Command } from "./command.ts";

export const superviseCommand: Command = {
  name: "supervise",
  summary: "Watch the root's detached containers (started by berth when needed)",
  usage: "",
  options: {},
  args: [0, 0],
  async run(g) {
    await supervise(g.root);
    return 0;
  },
};
