import { ociList } from "../../runtime/operations.ts";
import { BerthError } from "../../util/errors.ts";
import { print, type RuncCommand } from "../command.ts";

export const listCommand: RuncCommand = {
  usage: "list [command options]",
  flags: { format: { type: "string", alias: ["f"] }, quiet: { type: "bool", alias: ["q"] } },
  args: [0, 0],
  run(g, f) {
    const all = ociList(g.root);
    if (f.quiet) {
      if (all.length) print(all.map((s) => s.id).join("\n"));
      return 0;
    }
    const format = (f.format as string | undefined) ?? "table";
    if (format === "json") {
      print(JSON.stringify(all));
      return 0;
    }
    if (format !== "table") throw new BerthError(`invalid format option`, 1);
    const rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], ...all.map((s) => [s.id, s.pid, s.status, s.bundle, s.created, (s.owner as string) || "root"].map(String))];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    print(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join("")).join("\n"));
    return 0;
  },
};
