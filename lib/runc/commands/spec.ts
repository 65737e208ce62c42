import { defaultSpec } from "../../runtime/default_spec.ts";
import { BerthError } from "../../util/errors.ts";
import { join } from "../../util/path.ts";
import type { RuncCommand } from "../command.ts";

export const specCommand: RuncCommand = {
  usage: "spec [command options]",
  flags: { bundle: { type: "string", alias: ["b"] }, rootless: { type: "bool" } },
  args: [0, 0],
  run(_g, f) {
    const path = join((f.bundle as string | undefined) ?? Deno.cwd(), "config.json");
    try {
      Deno.statSync(path);
      throw new BerthError(`File ${path} exists. Remove it first`, 1);
    } catch (err) {
      if (err instanceof BerthError) throw err;
    }
    Deno.writeTextFileSync(path, JSON.stringify(defaultSpec(), null, "\t") + "\n", { mode: 0o666 });
    return 0;
  },
};
