import { imageHistory } from "../../mod.ts";
import { humanDuration, humanSize } from "../util/human.ts";
import { type Command, out } from "./command.ts";
import { formatTable } from "./table.ts";
import { renderFormat } from "./format.ts";

export const historyCommand: Command = {
  name: "history",
  summary: "Show the history of an image",
  usage: "[OPTIONS] IMAGE",
  help: ["--no-trunc          do not truncate output", "-q, --quiet         only image IDs", "--format string     json, table, table TEMPLATE, or a Go template per layer ({{.CreatedBy}} …)"],
  options: { "no-trunc": { type: "boolean" }, quiet: { type: "boolean", short: "q" }, format: { type: "string" } },
  args: [1, 1],
  run(g, v, [name]) {
    const rows = imageHistory(g.root, name);
    const full = !!v["no-trunc"];
    const id = (s: string) => (s === "<missing>" || full ? s : s.slice(7, 19));
    if (v.quiet) out(rows.map((r) => id(r.id)).join("\n"));
    else if (v.format === "json") {
      for (const r of rows) {
        out(JSON.stringify({ ID: r.id, CreatedAt: r.created ?? "", CreatedBy: r.createdBy, Size: r.size, Comment: r.comment }));
      }
    } else if (v.format !== undefined) {
      const now = Date.now();
      const items = rows.map((r) => ({
        ID: id(r.id),
        CreatedSince: r.created ? `${humanDuration(now - Date.parse(r.created))} ago` : "N/A",
        CreatedAt: r.created ?? "",
        CreatedBy: r.createdBy,
        Size: humanSize(r.size),
        Comment: r.comment,
      }));
      const text = renderFormat(v.format as string, items, { ID: "IMAGE", CreatedSince: "CREATED" }, () => historyTable());
      if (text) out(text);
    } else {
      out(historyTable());
    }
    return Promise.resolve(0);

    function historyTable(): string {
      const now = Date.now();
      const cut = (s: string) => (full || s.length <= 45 ? s : `${s.slice(0, 44)}…`);
      return formatTable(
        ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"],
        rows.map((r) => [
          id(r.id),
          r.created ? `${humanDuration(now - Date.parse(r.created))} ago` : "N/A",
          cut(r.createdBy),
          humanSize(r.size),
          r.comment,
        ]),
      );
    }
  },
};
