import { inspectImage } from "../../mod.ts";
import { reconcile } from "../container/cleanup.ts";
import { inspectRecord } from "../container/describe.ts";
import { findContainer } from "../container/state.ts";
import { BerthError, NotFoundError, UsageError } from "../util/errors.ts";
import { renderFormat } from "./format.ts";
import { type Command, out } from "./command.ts";

export const inspectCommand: Command = {
  name: "inspect",
  summary: "Show the configuration of containers or images as JSON",
  usage: "CONTAINER|IMAGE [CONTAINER|IMAGE...]",
  help: [
    "-f, --format string   a Go template per object ({{.State.Pid}}, {{json .Config}} …)",
    "    --type string     container or image: look for that kind only",
  ],
  options: { format: { type: "string", short: "f" }, type: { type: "string" } },
  args: [1, Infinity],
  async run(g, v, names) {
    const kind = v.type as string | undefined;
    if (kind !== undefined && kind !== "container" && kind !== "image") throw new UsageError(`"${kind}" is not a valid value for --type`);
    await reconcile(g.root);
    const found: unknown[] = [];
    const missing: string[] = [];
    for (const n of names) {
      const rec = kind === "image" ? undefined : findContainer(g.root, n);
      if (rec) {
        found.push(inspectRecord(g.root, rec));
        continue;
      }
      try {
        if (kind === "container") throw new NotFoundError(`No such container: ${n}`);
        found.push(inspectImage(g.root, n));
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        missing.push(`No such object: ${n}`);
      }
    }
    if (v.format !== undefined) {
      const text = renderFormat(v.format as string, found, {}, () => JSON.stringify(found, null, 4));
      if (found.length) out(text);
    } else out(JSON.stringify(found, null, 4));
    for (const m of missing) console.error(`berth: ${m}`);
    return missing.length ? 1 : 0;
  },
};
