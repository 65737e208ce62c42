/**
 * berth as an OCI runtime with runc's command line: `berth-runc …` (a link to berth) or `berth runtime …`.
 * A flat table from command names to handlers (lib/runc/commands/), over the runtime layer (lib/runtime/).
 */
import { BerthError, messageOf } from "../util/errors.ts";
import { VERSION } from "../version.ts";
import type { RuncCommand, RuncGlobal } from "./command.ts";
import { print } from "./command.ts";
import { parseFlags } from "./flags.ts";
import { runcLog, setRuncLog } from "./log.ts";
import { createCommand } from "./commands/create.ts";
import { deleteCommand } from "./commands/delete.ts";
import { featuresCommand } from "./commands/features.ts";
import { execCommand } from "./commands/exec.ts";
import { updateCommand } from "./commands/update.ts";
import { killCommand } from "./commands/kill.ts";
import { listCommand } from "./commands/list.ts";
import { pauseCommand, resumeCommand } from "./commands/pause.ts";
import { psCommand } from "./commands/ps.ts";
import { runCommand } from "./commands/run.ts";
import { specCommand } from "./commands/spec.ts";
import { startCommand } from "./commands/start.ts";
import { stateCommand } from "./commands/state.ts";

const commands: Record<string, RuncCommand> = {
  create: createCommand,
  delete: deleteCommand,
  exec: execCommand,
  features: featuresCommand,
  kill: killCommand,
  list: listCommand,
  pause: pauseCommand,
  ps: psCommand,
  resume: resumeCommand,
  run: runCommand,
  spec: specCommand,
  start: startCommand,
  state: stateCommand,
  update: updateCommand,
};

const GLOBAL_FLAGS = {
  root: { type: "string" },
  log: { type: "string" },
  "log-format": { type: "string" },
  "systemd-cgroup": { type: "bool" },
  debug: { type: "bool" },
  rootless: { type: "string" },
  criu: { type: "string" },
  version: { type: "bool", alias: ["v"] },
  help: { type: "bool", alias: ["h"] },
} as const;

/** The runtime's default state root (runc's is /run/runc). */
export const DEFAULT_RUNTIME_ROOT = "/run/berth-runc";

function usage(): string {
  return [
    "NAME:",
    "   berth-runc - berth's OCI runtime, with runc's command line",
    "",
    "USAGE:",
    "   berth-runc [global options] command [command options] [arguments...]",
    "",
    "COMMANDS:",
    ...Object.values(commands).map((c) => `   ${c.usage}`),
    "",
    "GLOBAL OPTIONS:",
    "   --root value        root directory for storage of container state (default: \"/run/berth-runc\")",
    "   --log value         write errors and debug output to this file (default: stderr only)",
    "   --log-format value  text or json (default: \"text\")",
    "   --systemd-cgroup    cgroupsPath is slice:prefix:name",
    "   --debug, --version, --help",
  ].join("\n");
}

export async function runcMain(argv: string[]): Promise<number> {
  try {
    const { flags: gf, rest } = parseFlags(argv, GLOBAL_FLAGS);
    setRuncLog(gf.log as string | undefined, gf["log-format"] as string | undefined);
    if (gf.version) {
      // the first line as runc's, for parsers; then berth's own
      print(`runc version 1.1.5\ncommit: berth-${VERSION}\nspec: 1.0.2\nberth version ${VERSION}`);
      return 0;
    }
    const [name, ...args] = rest;
    if (!name || gf.help || name === "help") {
      print(usage());
      return name || gf.help ? 0 : 1;
    }
    const cmd = commands[name];
    if (!cmd) throw new BerthError(`No help topic for '${name}'`, 1);
    const { flags, rest: positional } = parseFlags(args, { ...cmd.flags, help: { type: "bool", alias: ["h"] } });
    if (flags.help) {
      print(`USAGE:\n   berth-runc ${cmd.usage}`);
      return 0;
    }
    const [min, max] = cmd.args;
    if (positional.length < min || positional.length > max) {
      throw new BerthError(`"${name}" requires ${min === max ? `exactly ${min}` : `${min} to ${max === Infinity ? "any number of" : max}`} argument(s)`, 1);
    }
    const g: RuncGlobal = {
      root: (gf.root as string | undefined) ?? DEFAULT_RUNTIME_ROOT,
      systemdCgroup: !!gf["systemd-cgroup"],
      debug: !!gf.debug,
    };
    if (g.debug) runcLog("debug", `berth-runc ${argv.join(" ")}`);
    return await cmd.run(g, flags, positional);
  } catch (err) {
    const msg = messageOf(err);
    runcLog("error", msg);
    console.error(msg);
    return 1; // runc's one exit code for every error (callers read the message, not the code)
  }
}
