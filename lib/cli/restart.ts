import { startDetached, stopContainer } from "../../mod.ts";
import { STOP_TIME_HELP, STOP_TIME_OPTION, stopTimeout } from "./run_options.ts";
import { type Command, out } from "./command.ts";

export const restartCommand: Command = {
  name: "restart",
  summary: "Restart one or more containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  help: [STOP_TIME_HELP],
  options: { ...STOP_TIME_OPTION },
  args: [1, Infinity],
  async run(g, v, refs) {
    const t = stopTimeout(v);
    for (const ref of refs) {
      const rec = await stopContainer(g.root, ref, t, v.signal as string | undefined);
      await startDetached(g.root, rec.spec.id);
      out(ref);
    }
    return 0;
  },
};
