import { pruneBuildCache } from "../../mod.ts";
import { type Command, commandGroup, out } from "./command.ts";

const prune: Command = {
  name: "builder prune",
  summary: "Remove the build cache (and the layers only it used)",
  usage: "[OPTIONS]",
  help: ["-f, --force   do not prompt for confirmation (berth never prompts)"],
  options: { force: { type: "boolean", short: "f" } },
  args: [0, 0],
  async run(g) {
    out(`Deleted build cache entries: ${await pruneBuildCache(g.root)}`);
    return 0;
  },
};

export const builderCommand = commandGroup("builder", "Manage the build cache", { prune }, ["prune    Remove the build cache"]);
