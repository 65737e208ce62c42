import { VERSION } from "../version.ts";
import type { Command } from "./command.ts";

/** `berth help`: global options and every command's one-line summary. */
export function generalHelp(commands: Record<string, Command>): string {
  const names = Object.keys(commands).sort();
  const width = Math.max(...names.map((n) => n.length));
  return [
    "Usage:  berth [OPTIONS] COMMAND",
    "",
    `berth ${VERSION} — a daemonless container engine in one file`,
    "",
    "Options:",
    "  --root DIR                 state directory (default /var/lib/berth, env BERTH_ROOT)",
    "  --insecure-registry HOST   talk plain HTTP to HOST (loopback registries always are)",
    "  -D, --debug                debug output",
    "  -v, --version              print the version",
    "",
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(width)}   ${commands[n].summary}`),
    "",
    "Run 'berth COMMAND --help' for more information on a command.",
  ].join("\n");
}
