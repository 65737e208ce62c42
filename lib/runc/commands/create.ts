import { type CreateOptions, ociCreate } from "../../runtime/create.ts";
import type { RuncCommand, RuncGlobal } from "../command.ts";
import type { FlagValues } from "../flags.ts";

/** `create --bundle B [--pid-file F] [--console-socket S] [--preserve-fds N] ID` */
export const BUNDLE_FLAGS = {
  bundle: { type: "string", alias: ["b"] },
  "pid-file": { type: "string" },
  "console-socket": { type: "string" },
  "preserve-fds": { type: "int" },
  "no-pivot": { type: "bool" },
  "no-new-keyring": { type: "bool" },
  "notify-socket": { type: "string" },
} as const;

/** The create options the flags give (create and run share them). */
export function createOptions(g: RuncGlobal, f: FlagValues, id: string): CreateOptions {
  return {
    root: g.root,
    id,
    bundle: (f.bundle as string | undefined) ?? ".",
    pidFile: f["pid-file"] as string | undefined,
    consoleSocket: f["console-socket"] as string | undefined,
    preserveFds: f["preserve-fds"] as number | undefined,
    systemdCgroup: g.systemdCgroup,
  };
}

export const createCommand: RuncCommand = {
  usage: "create [command options] <container-id>",
  flags: BUNDLE_FLAGS,
  args: [1, 1],
  async run(g, f, [id]) {
    await ociCreate(createOptions(g, f, id));
    return 0;
  },
};
