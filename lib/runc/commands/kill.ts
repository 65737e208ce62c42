import { ociKill } from "../../runtime/operations.ts";
import type { RuncCommand } from "../command.ts";

export const killCommand: RuncCommand = {
  usage: "kill [command options] <container-id> [signal]",
  flags: { all: { type: "bool", alias: ["a"] } },
  args: [1, 2],
  run(g, f, [id, signal]) {
    ociKill(g.root, id, signal ?? "SIGTERM", !!f.all);
    return 0;
  },
};
