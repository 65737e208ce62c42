/**
 * One berth command line against a table of commands: global options, `--version` and help, an ordinary user's
 * move into their user namespace, `berth container CMD` as `berth CMD`, the command, and errors as berth says
 * them. main.ts runs it with the whole table; run_main.ts (the bundle `berth run` starts with) with `run` only.
 */
import { type Command, commandHelp, invoke, out } from "./command.ts";
import { parseGlobal } from "./global.ts";
import { generalHelp } from "./help.ts";
import { CONTAINER_VERBS } from "./container.ts";
import { joinedByHeader, runInUserNamespace, userOutsideNamespace } from "../rootless/userns.ts";
import { BerthError, userMessage } from "../util/errors.ts";
import { setDebug } from "../util/log.ts";
import { VERSION } from "../version.ts";

export interface Outcome {
  code: number;
  /** the command wrote everything synchronously: the process may leave without Deno's teardown */
  fastExit: boolean;
}

export async function runCommandLine(argv: string[], commands: Record<string, Command>): Promise<Outcome> {
  let fastExit = false;
  try {
    const { global, command, rest, version, help } = parseGlobal(argv);
    setDebug(global.debug);
    if (version) {
      out(`berth version ${VERSION}`);
      return { code: 0, fastExit };
    }
    if (!command || help || command === "help") {
      const topic = command === "help" ? rest[0] : undefined;
      out(topic && commands[topic] ? commandHelp(commands[topic]) : generalHelp(commands));
      return { code: command || help ? 0 : 1, fastExit };
    }
    // an ordinary user's berth works in its own user namespace (lib/rootless/userns.ts)
    if (joinedByHeader()) return { code: 143, fastExit };
    const user = userOutsideNamespace();
    if (user) return { code: await runInUserNamespace(argv, user), fastExit };
    // `berth container CMD …` is `berth CMD …`, as `docker container CMD` is `docker CMD` (ls is ps)
    const [name, args] = command === "container" && CONTAINER_VERBS[rest[0]] && rest[0] !== "inspect" ? [CONTAINER_VERBS[rest[0]], rest.slice(1)] : [command, rest];
    const cmd = commands[name];
    if (!cmd) throw new BerthError(`'${name}' is not a berth command.\nSee 'berth --help'.`);
    fastExit = !!cmd.fastExit;
    return { code: await invoke(cmd, global, args), fastExit };
  } catch (err) {
    if (err instanceof BerthError) {
      console.error(`berth: ${err.message}`);
      return { code: err.exitCode, fastExit };
    }
    // the reader of our output went away (`berth images | head -1`): end quietly, as a pipe's writer does
    if (err instanceof Deno.errors.BrokenPipe) return { code: 141, fastExit };
    if (Deno.env.get("BERTH_DEBUG") === "1") console.error(err);
    console.error(`berth: ${userMessage(err)}`);
    return { code: 125, fastExit };
  }
}

/**
 * One turn of the event loop before a quick command's exit: Deno stores a module's V8 code cache only then, and a
 * command that exits at once (`ps`, `images`) would otherwise compile the whole bundle afresh every time until
 * some longer command happened to run (~12 ms of every start). Once stored, the turn costs well under a millisecond.
 */
export async function codeCacheTurn(): Promise<void> {
  // an async op, not a timer: Deno's first setTimeout loads its Node timers (~15 ms)
  await Deno.lstat("/");
}
