import { ociDelete } from "../../runtime/operations.ts";
import type { RuncCommand } from "../command.ts";

export const deleteCommand: RuncCommand = {
  usage: "delete [command options] <container-id>",
  flags: { force: { type: "bool", alias: ["f"] } },
  args: [1, 1],
  async run(g, f, [id]) {
    await ociDelete(g.root, id, !!f.force);
    return 0;
  },
};
