/** How berth starts itself again (the supervisor of detached containers is `berth supervise`). */
import { statLite } from "../ffi/sys.ts";

/** argv that runs this berth: the one-file build, berth's main.ts from source, or a `deno compile`d binary. */
export function selfCommand(): string[] {
  const self = Deno.env.get("BERTH_SELF"); // set by the one-file build's sh header
  if (self) return [self];
  const here = new URL(import.meta.url);
  if (here.protocol === "file:") {
    const main = new URL("../../main.ts", here).pathname; // from source (also when a script imports mod.ts)
    if (statLite(main)) return [Deno.execPath(), "run", "-A", "--no-config", "--no-lock", "-q", main];
  }
  return [Deno.execPath()]; // deno compile: the binary is berth
}
