import { removeImage } from "../../mod.ts";
import { BerthError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";

export const rmiCommand: Command = {
  name: "rmi",
  summary: "Remove one or more images",
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  help: ["-f, --force         remove an image referenced by several tags"],
  options: { force: { type: "boolean", short: "f" } },
  args: [1, Infinity],
  async run(g, v, names) {
    let failed = 0;
    for (const n of names) {
      try {
        const lines = await removeImage(n, { root: g.root, force: !!v.force });
        if (lines.length) out(lines.join("\n"));
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        console.error(`berth: ${err.message}`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  },
};
