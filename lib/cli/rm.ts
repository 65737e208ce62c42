import { removeContainer } from "../../mod.ts";
import { BerthError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";

export const rmCommand: Command = {
  name: "rm",
  summary: "Remove one or more containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  help: ["-f, --force     force the removal of a running container (uses SIGKILL)", "-v, --volumes   remove anonymous volumes associated with the container"],
  options: { force: { type: "boolean", short: "f" }, volumes: { type: "boolean", short: "v" } },
  args: [1, Infinity],
  async run(g, v, refs) {
    let failed = 0;
    for (const r of refs) {
      try {
        await removeContainer(g.root, r, { force: !!v.force, volumes: !!v.volumes });
        out(r);
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        console.error(`berth: ${err.message}`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  },
};
