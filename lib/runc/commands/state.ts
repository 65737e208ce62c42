import { stateOf } from "../../runtime/operations.ts";
import { print, type RuncCommand } from "../command.ts";

export const stateCommand: RuncCommand = {
  usage: "state <container-id>",
  flags: {},
  args: [1, 1],
  run(g, _f, [id]) {
    print(JSON.stringify(stateOf(g.root, id), null, "  "));
    return 0;
  },
};
