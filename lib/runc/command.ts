/** One command of the runc-compatible CLI: its flags, how many arguments, and its handler. */
import type { FlagSpec, FlagValues } from "./flags.ts";

export interface RuncGlobal {
  root: string;
  systemdCgroup: boolean;
  debug: boolean;
}

export interface RuncCommand {
  usage: string;
  flags: FlagSpec;
  /** [min, max] positional arguments */
  args: [number, number];
  run(g: RuncGlobal, flags: FlagValues, args: string[]): Promise<number> | number;
}

/** Writes to stdout synchronously (state and ps print JSON that callers read at once). */
export function print(text: string): void {
  const b = new TextEncoder().encode(text.endsWith("\n") ? text : text + "\n");
  for (let o = 0; o < b.length;) o += Deno.stdout.writeSync(b.subarray(o));
}
