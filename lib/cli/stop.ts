import { stopContainer } from "../../mod.ts";
import { STOP_TIME_HELP, STOP_TIME_OPTION, stopTimeout } from "./run_options.ts";
import { type Command, out } from "./command.ts";
import { parseSignal } from "../container/signals.ts";

export const stopCommand: Command = {
  name: "stop",
  summary: "Stop one or more running containers (StopSignal or SIGTERM, then SIGKILL)",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  help: [STOP_TIME_HELP],
  options: { ...STOP_TIME_OPTION },
  args: [1, Infinity],
  async run(g, v, refs) {
    const t = stopTimeout(v);
    if (v.signal !== undefined) parseSignal(v.signal as string);
    await Promise.all(refs.map((r) => stopContainer(g.root, r, t, v.signal as string | undefined)));
    out(refs.join("\n"));
    return 0;
  },
};
