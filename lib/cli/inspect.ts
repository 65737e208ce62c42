import { inspectImage } from "../../mod.ts";
import { reconcile } from "../container/cleanup.ts";
import { inspectRecord } from "../container/describe.ts";
import { findContainer } from "../container/state.ts";
import { BerthError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";

export const inspectCommand: Command = {
  name: "inspect",
  summary: "Show the configuration of containers or images as JSON",
  usage: "CONTAINER|IMAGE [CONTAINER|IMAGE...]",
  options: {},
  args: [1, Infinity],
  async run(g, _v, names) {
    await reconcile(g.root);
    const found = [];
    const missing: string[] = [];
    for (const n of names) {
      const rec = findContainer(g.root, n);
      if (rec) {
        found.push(inspectRecord(g.root, rec));
        continue;
      }
      try {
        found.push(inspectImage(g.root, n));
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        missing.push(`No such object: ${n}`);
      }
    }
    out(JSON.stringify(found, null, 4));
    for (const m of missing) console.error(`berth: ${m}`);
    return missing.length ? 1 : 0;
  },
};
