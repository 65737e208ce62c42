import { stopContainer } from "../../mod.ts";
import { STOP_TIME_HELP, STOP_TIME_OPTION, stopTimeout } from "./run_options.ts";
import { type Command, out } from "./command.ts";

export const stopCommand: Command = {
  name: "stop",
  summary: "Stop one or more running containers (StopSignal or SIGTERM, then SIGKILL)",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  help: [STOP_TIME_HELP],
  options: { ...STOP_TIME_OPTION },
  args: [1, Infinity],
  async run(g, v, refs) {
    const t = stopTimeout(v);
    await Promise.all(refs.map((r) => stopContainer(g.root, r, t)));
    out(refs.join("\n"));
    return 0;
  },
};
