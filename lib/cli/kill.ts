import { killContainer } from "../../mod.ts";
import { type Command, out } from "./command.ts";

export const killCommand: Command = {
  name: "kill",
  summary: "Send a signal (default SIGKILL) to one or more running containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  help: ["-s, --signal string   signal to send (name or number)"],
  options: { signal: { type: "string", short: "s" } },
  args: [1, Infinity],
  async run(g, v, refs) {
    for (const r of refs) await killContainer(g.root, r, (v.signal as string | undefined) ?? "SIGKILL");
    out(refs.join("\n"));
    return 0;
  },
};
