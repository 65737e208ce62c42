/** Global options (before the command): --root, --debug, --insecure-registry, --version. */
import { defaultRoot } from "../rootless/paths.ts";
import { UsageError } from "../util/errors.ts";
import type { GlobalOptions } from "./command.ts";

export interface ParsedGlobal {
  global: GlobalOptions;
  command?: string;
  rest: string[];
  version: boolean;
  help: boolean;
}

export function parseGlobal(argv: string[]): ParsedGlobal {
  const global: GlobalOptions = {
    root: defaultRoot(),
    debug: Deno.env.get("BERTH_DEBUG") === "1",
    insecureRegistries: [],
  };
  let version = false;
  let help = false;
  let i = 0;
  const value = (flag: string) => {
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`flag needs an argument: ${flag}`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-")) break;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    switch (flag) {
      case "--root":
        global.root = inline ?? value(flag);
        break;
      case "--insecure-registry":
        global.insecureRegistries.push(inline ?? value(flag));
        break;
      case "--debug":
      case "-D":
        global.debug = true;
        break;
      case "--version":
      case "-v":
        version = true;
        break;
      case "--help":
      case "-h":
        help = true;
        break;
      default:
        throw new UsageError(`unknown flag: ${flag}\nSee 'berth --help'.`);
    }
  }
  return { global, command: argv[i], rest: argv.slice(i + 1), version, help };
}
