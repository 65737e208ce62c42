/**
 * Command-line options the way Docker's CLI reads them: `--name value`, `--name=value`, `-n value`,
 * `-nvalue`, clusters of short booleans (`-it`), repeated options collected into lists, `--` ends the
 * options. Our own instead of node:util's parseArgs, whose `node:` import costs ~8 ms per start.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseOptions(["-it", "--name", "x", "img"], {
 *   interactive: { type: "boolean", short: "i" }, tty: { type: "boolean", short: "t" }, name: { type: "string" },
 * });
 * // values = { interactive: true, tty: true, name: "x" }, positionals = ["img"]
 * ```
 */

export interface OptionSpec {
  type: "boolean" | "string";
  short?: string;
  multiple?: boolean;
}

export type OptionsConfig = Record<string, OptionSpec>;

export class OptionError extends Error {}

export function parseOptions(
  argv: string[],
  options: OptionsConfig,
  stopAtFirstPositional = false,
): { values: Record<string, unknown>; positionals: string[] } {
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(options).filter(([, o]) => o.short).map(([n, o]) => [o.short!, n]));
  const set = (name: string, v: string | boolean) => {
    if (options[name].multiple) ((values[name] ??= []) as unknown[]).push(v);
    else values[name] = v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = options[name];
      if (!spec) throw new OptionError(`unknown flag: --${name}`);
      if (spec.type === "boolean") {
        if (eq >= 0) {
          const v = a.slice(eq + 1);
          if (v !== "true" && v !== "false") throw new OptionError(`invalid argument "${v}" for "--${name}" flag`);
          set(name, v === "true");
        } else set(name, true);
      } else if (eq >= 0) set(name, a.slice(eq + 1));
      else {
        if (i + 1 >= argv.length) throw new OptionError(`flag needs an argument: --${name}`);
        set(name, argv[++i]);
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const name = byShort.get(a[j]);
        if (!name) throw new OptionError(`unknown shorthand flag: '${a[j]}' in ${a}`);
        if (options[name].type === "boolean") {
          set(name, true);
          continue;
        }
        if (j + 1 < a.length) set(name, a.slice(j + 1).replace(/^=/, ""));
        else if (i + 1 < argv.length) set(name, argv[++i]);
        else throw new OptionError(`flag needs an argument: '${a[j]}' in -${a[j]}`);
        break;
      }
      continue;
    }
    positionals.push(a);
    if (stopAtFirstPositional) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
  }
  return { values, positionals };
}
