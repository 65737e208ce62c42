import { pruneContainers } from "../container/lifecycle.ts";
import { type Command, out } from "./command.ts";

export const pruneCommand: Command = {
  name: "prune",
  summary: "Remove all stopped containers",
  usage: "[OPTIONS]",
  help: ["-f, --force   do not prompt for confirmation (berth never prompts)"],
  options: { force: { type: "boolean", short: "f" } },
  args: [0, 0],
  async run(g) {
    const ids = await pruneContainers(g.root);
    out(["Deleted Containers:", ...ids, "", `Total reclaimed containers: ${ids.length}`].join("\n"));
    return 0;
  },
};
