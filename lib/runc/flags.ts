/**
 * Flags as runc's CLI library (urfave/cli v1 over Go's flag package) takes them: `-x` and `--x` alike,
 * `--flag=value` or `--flag value`, booleans as `--flag` or `--flag=false`; parsing stops at the first
 * argument that is not a flag (or after `--`). An unknown flag is Go's error.
 */
import { BerthError } from "../util/errors.ts";

export type FlagType = "bool" | "string" | "int" | "strings";

export interface FlagSpec {
  [name: string]: { type: FlagType; alias?: readonly string[] };
}

export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

export function parseFlags(args: string[], spec: FlagSpec): { flags: FlagValues; rest: string[] } {
  const byName = new Map<string, string>();
  for (const [name, f] of Object.entries(spec)) {
    byName.set(name, name);
    for (const a of f.alias ?? []) byName.set(a, name);
  }
  const flags: FlagValues = {};
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const key = eq < 0 ? body : body.slice(0, eq);
    const name = byName.get(key);
    if (!name) throw new BerthError(`flag provided but not defined: -${key}`, 1);
    const { type } = spec[name];
    let value: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    if (type === "bool") {
      flags[name] = value === undefined ? true : !/^(false|0|f|F|FALSE|False)$/.test(value);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= args.length) throw new BerthError(`flag needs an argument: -${key}`, 1);
      value = args[++i];
    }
    if (type === "int") {
      if (!/^-?\d+$/.test(value)) throw new BerthError(`invalid value "${value}" for flag -${key}: parse error`, 1);
      flags[name] = Number(value);
    } else if (type === "strings") flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    else flags[name] = value;
  }
  return { flags, rest: args.slice(i) };
}
