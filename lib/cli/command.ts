/** The shape of one CLI command, and the argument parsing all commands share. */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "../util/errors.ts";

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
  options: ParseArgsOptionsConfig;
  /** least and most positional arguments */
  args: [number, number];
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
    parsed = parseArgs({
      args: argv,
      options: { ...cmd.options, help: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const msg = (err as Error).message.split("\n")[0].replace(/^Unknown option '(.*?)'.*$/, "unknown flag: $1");
    throw new UsageError(`${cmd.name}: ${msg}\nSee 'berth ${cmd.name} --help'.`);
  }
  const values = { ...parsed.values } as Record<string, unknown>;
  if (!values.help) {
    const [min, max] = cmd.args;
    const n = parsed.positionals.length;
    if (n < min || n > max) {
      const want = min === max ? `exactly ${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw new UsageError(
        `"berth ${cmd.name}" requires ${want} argument${max === 1 ? "" : "s"}.\nSee 'berth ${cmd.name} --help'.\n\nUsage:  berth ${cmd.name} ${cmd.usage}`,
      );
    }
  }
  return { values, positionals: parsed.positionals };
}

/** Writes text to stdout fully (console.log is line-buffered and slower for tables). */
export function out(text: string): void {
  const b = new TextEncoder().encode(text.endsWith("\n") ? text : text + "\n");
  let off = 0;
  while (off < b.length) off += Deno.stdout.writeSync(b.subarray(off));
}
