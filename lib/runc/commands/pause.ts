import { ociPause } from "../../runtime/operations.ts";
import type { RuncCommand } from "../command.ts";

function pauseCommandFor(paused: boolean): RuncCommand {
  return {
    usage: `${paused ? "pause" : "resume"} <container-id>`,
    flags: {},
    args: [1, 1],
    run(g, _f, [id]) {
      ociPause(g.root, id, paused);
      return 0;
    },
  };
}

export const pauseCommand = pauseCommandFor(true);
export const resumeCommand = pauseCommandFor(false);
