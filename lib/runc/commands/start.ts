import { ociStart } from "../../runtime/operations.ts";
import type { RuncCommand } from "../command.ts";

export const startCommand: RuncCommand = {
  usage: "start <container-id>",
  flags: {},
  args: [1, 1],
  async run(g, _f, [id]) {
    await ociStart(g.root, id);
    return 0;
  },
};
