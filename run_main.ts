/**
 * The entry of the bundle the one file starts for `berth run` (see scripts/build.ts): the `run` command alone.
 * Most of a start's bundle load is V8 compiling the bundle (bench/README.md), and `run` needs about half of
 * berth's code. Any other command line is handed to the whole berth (its bundle, berth.js, lies beside this one).
 */
import "./lib/image/pull_worker.ts"; // starts itself when this bundle is loaded as a layer worker
import { codeCacheTurn, runCommandLine } from "./lib/cli/command_line.ts";
import { parseGlobal } from "./lib/cli/global.ts";
import { runCommand } from "./lib/cli/run.ts";
import { setWorkerEntry } from "./lib/image/worker_pool.ts";
import { fastExit } from "./lib/ffi/sys.ts";

/** Whether the command line is `[global options] run …` (anything odd goes to the whole berth, which says why). */
function onlyRun(argv: string[]): boolean {
  try {
    const g = parseGlobal(argv);
    return g.command === "run" && !g.version && !g.help;
  } catch {
    return false;
  }
}

if (import.meta.main && !("WorkerGlobalScope" in globalThis)) {
  setWorkerEntry(import.meta.url);
  if (!onlyRun(Deno.args)) {
    const whole = new URL(import.meta.url.endsWith(".ts") ? "./main.ts" : "./berth.js", import.meta.url).href;
    const { main } = await import(whole);
    const code = await main(Deno.args);
    await codeCacheTurn();
    Deno.exit(code);
  }
  const { code, fastExit: fast } = await runCommandLine(Deno.args, { run: runCommand });
  if (fast) fastExit(code);
  Deno.exit(code);
}
