import { getContainer, pauseContainer } from "../container/lifecycle.ts";
import { type Command, out } from "./command.ts";

function pauseCommandFor(paused: boolean): Command {
  return {
    name: paused ? "pause" : "unpause",
    summary: paused ? "Pause all processes within one or more containers" : "Unpause all processes within one or more containers",
    usage: "CONTAINER [CONTAINER...]",
    options: {},
    args: [1, Infinity],
    async run(g, _v, refs) {
      for (const r of refs) pauseContainer(g.root, await getContainer(g.root, r), paused);
      out(refs.join("\n"));
      return 0;
    },
  };
}

export const pauseCommand = pauseCommandFor(true);
export const unpauseCommand = pauseCommandFor(false);
