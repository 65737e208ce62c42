import { inspectImage } from "../../mod.ts";
import { BerthError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";

export const inspectCommand: Command = {
  name: "inspect",
  summary: "Show the configuration of one or more images as JSON",
  usage: "IMAGE [IMAGE...]",
  options: {},
  args: [1, Infinity],
  run(g, _v, names) {
    const found = [];
    const missing: string[] = [];
    for (const n of names) {
      try {
        found.push(inspectImage(g.root, n));
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        missing.push(err.message);
      }
    }
    out(JSON.stringify(found, null, 4));
    for (const m of missing) console.error(`berth: ${m}`);
    return Promise.resolve(missing.length ? 1 : 0);
  },
};
