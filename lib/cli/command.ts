/** The shape of one CLI command, and the argument parsing all commands share. */
import { OptionError, type OptionsConfig, parseOptions } from "./parse_args.ts";
import { BerthError, ConflictError, NotFoundError, UsageError } from "../util/errors.ts";

export interface GlobalOptions {
  root: string;
  debug: boolean;
  insecureRegistries: string[];
}

export interface Command {
  name: string;
  /** one line for `berth help` */
  summary: string;
  /** the usage line after `berth NAME` */
  usage: string;
  /** option help lines */
  help?: string[];
  options: OptionsConfig;
  /** least and most positional arguments */
  args: [number, number];
  /** leave with exit_group(2) right after (no buffered output; skips Deno's slow shutdown) */
  fastExit?: boolean;
  /** options end at the first positional (`run IMAGE CMD -x`: -x belongs to CMD) */
  optionsFirst?: boolean;
  /** every engine error exits 125, not found and conflicts too (Docker's `run` and `create`) */
  engineErrorsExit125?: boolean;
  run(g: GlobalOptions, values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

export function commandHelp(cmd: Command): string {
  const lines = [`Usage:  berth ${cmd.name} ${cmd.usage}`, "", cmd.summary];
  if (cmd.help?.length) lines.push("", "Options:", ...cmd.help.map((h) => `  ${h}`));
  return lines.join("\n");
}

/** Parses a command's arguments; bad flags become a {@link UsageError} that names the fix. */
export function parseCommandArgs(cmd: Command, argv: string[]): { values: Record<string, unknown>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseOptions(argv, { ...cmd.options, help: { type: "boolean" } }, cmd.optionsFirst);
  } catch (err) {
    if (!(err instanceof OptionError)) throw err;
    throw new UsageError(`${cmd.name}: ${err.message}\nSee 'berth ${cmd.name} --help'.`);
  }
  const { values, positionals } = parsed;
  if (!values.help) {
    const [min, max] = cmd.args;
    const n = positionals.length;
    if (n < min || n > max) {
      const want = min === max ? `exactly ${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw new UsageError(
        `"berth ${cmd.name}" requires ${want} argument${max === 1 ? "" : "s"}.\nSee 'berth ${cmd.name} --help'.\n\nUsage:  berth ${cmd.name} ${cmd.usage}`,
      );
    }
  }
  return { values, positionals };
}

/** Parses `argv` for `cmd`, answers `--help`, else runs it. */
export async function invoke(cmd: Command, g: GlobalOptions, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(cmd, argv);
  if (values.help) {
    out(commandHelp(cmd));
    return 0;
  }
  try {
    return await cmd.run(g, values, positionals);
  } catch (err) {
    if (cmd.engineErrorsExit125 && (err instanceof NotFoundError || err instanceof ConflictError)) throw new BerthError(err.message, 125);
    throw err;
  }
}

/** `-it` needs a terminal on stdin, as Docker says at once (instead of waiting on a pipe). */
export function requireTerminal(wanted: boolean): void {
  if (wanted && !Deno.stdin.isTerminal()) throw new BerthError("the input device is not a TTY", 1);
}

/** Writes text to stdout fully (console.log is line-buffered and slower for tables). */
export function out(text: string): void {
  const b = new TextEncoder().encode(text.endsWith("\n") ? text : text + "\n");
  let off = 0;
  while (off < b.length) off += Deno.stdout.writeSync(b.subarray(off));
}

/** `berth GROUP SUB …` (volume, network): dispatches to `subcommands[SUB]`. */
export function commandGroup(name: string, summary: string, subcommands: Record<string, Command>, help: string[]): Command {
  return {
    name,
    summary,
    usage: "COMMAND",
    help,
    options: {},
    optionsFirst: true,
    args: [1, Infinity],
    async run(g, _v, [sub, ...rest]) {
      const cmd = subcommands[sub];
      if (!cmd) throw new UsageError(`'${name} ${sub}' is not a berth command.\nSee 'berth ${name} --help'.`);
      return await invoke(cmd, g, rest);
    },
  };
}
