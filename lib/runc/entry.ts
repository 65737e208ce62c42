/**
 * The OCI runtime's own bundle (dist/runc.js in the one-file build): the launcher runs it for `berth-runc …`
 * and `berth runtime …`, so a runtime call loads lib/runc and lib/runtime only — not the whole of berth, which
 * cost ~35 ms more per call (containerd's shim calls the runtime three times per container). With a single
 * bundle (`deno compile`), main.ts serves the same commands.
 */
import { runcMain } from "./main.ts";

Deno.exit(await runcMain(Deno.args));
