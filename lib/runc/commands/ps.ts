import { ociPids } from "../../runtime/operations.ts";
import { BerthError } from "../../util/errors.ts";
import { print, type RuncCommand } from "../command.ts";

export const psCommand: RuncCommand = {
  usage: "ps [command options] <container-id> [ps options]",
  flags: { format: { type: "string", alias: ["f"] } },
  args: [1, Infinity],
  async run(g, f, [id, ...psArgs]) {
    const pids = ociPids(g.root, id);
    const format = (f.format as string | undefined) ?? "table";
    if (format === "json") {
      print(JSON.stringify(pids));
      return 0;
    }
    if (format !== "table") throw new BerthError("invalid format option", 1);
    // ps's own table, cut to the container's processes (as runc does)
    const out = await new Deno.Command("ps", { args: psArgs.length ? psArgs : ["-ef"], stdout: "piped", stderr: "inherit" }).output();
    const [head, ...lines] = new TextDecoder().decode(out.stdout).split("\n");
    const col = head.trim().split(/\s+/).indexOf("PID");
    if (col < 0) throw new BerthError("couldn't find PID field in ps output", 1);
    const set = new Set(pids);
    print([head, ...lines.filter((l) => set.has(Number(l.trim().split(/\s+/)[col])))].join("\n"));
    return 0;
  },
};
