import { stopContainer } from "../../mod.ts";
import { UsageError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";

export const stopCommand: Command = {
  name: "stop",
  summary: "Stop one or more running containers (StopSignal or SIGTERM, then SIGKILL)",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  help: ["-t, --time int   seconds to wait before killing the container (default 10)"],
  options: { time: { type: "string", short: "t" } },
  args: [1, Infinity],
  async run(g, v, refs) {
    const t = v.time === undefined ? 10 : Number(v.time);
    if (!Number.isFinite(t) || t < 0) throw new UsageError(`invalid argument "${v.time}" for "-t, --time" flag`);
    await Promise.all(refs.map((r) => stopContainer(g.root, r, t)));
    out(refs.join("\n"));
    return 0;
  },
};
