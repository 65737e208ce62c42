import { startDetached, stopContainer } from "../../mod.ts";
import { UsageError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";

export const restartCommand: Command = {
  name: "restart",
  summary: "Restart one or more containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  help: ["-t, --time int   seconds to wait before killing the container (default 10)"],
  options: { time: { type: "string", short: "t" } },
  args: [1, Infinity],
  async run(g, v, refs) {
    const t = v.time === undefined ? 10 : Number(v.time);
    if (!Number.isFinite(t) || t < 0) throw new UsageError(`invalid argument "${v.time}" for "-t, --time" flag`);
    for (const ref of refs) {
      const rec = await stopContainer(g.root, ref, t);
      await startDetached(g.root, rec.spec.id);
      out(ref);
    }
    return 0;
  },
};
