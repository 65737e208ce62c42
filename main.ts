/**
 * The `berth` command: a flat table from command names to handlers; everything else lives in
 * `lib/` and `mod.ts`.
 */
import "./lib/image/pull_worker.ts"; // starts itself when this bundle is loaded as a layer worker
import type { Command } from "./lib/cli/command.ts";
import { codeCacheTurn, runCommandLine } from "./lib/cli/command_line.ts";
import { runcMain } from "./lib/runc/main.ts";
import { createCommand } from "./lib/cli/create.ts";
import { attachCommand } from "./lib/cli/attach.ts";
import { cpCommand } from "./lib/cli/cp.ts";
import { diffCommand } from "./lib/cli/diff.ts";
import { execCommand } from "./lib/cli/exec.ts";
import { killCommand } from "./lib/cli/kill.ts";
import { logsCommand } from "./lib/cli/logs.ts";
import { pauseCommand, unpauseCommand } from "./lib/cli/pause.ts";
import { updateCommand } from "./lib/cli/update.ts";
import { pruneCommand } from "./lib/cli/prune.ts";
import { psCommand } from "./lib/cli/ps.ts";
import { renameCommand } from "./lib/cli/rename.ts";
import { infoCommand } from "./lib/cli/info.ts";
import { versionCommand } from "./lib/cli/version.ts";
import { portCommand } from "./lib/cli/port.ts";
import { eventsCommand } from "./lib/cli/events.ts";
import { imageCommand } from "./lib/cli/image.ts";
import { containerCommand } from "./lib/cli/container.ts";
import { restartCommand } from "./lib/cli/restart.ts";
import { rmCommand } from "./lib/cli/rm.ts";
import { startCommand } from "./lib/cli/start.ts";
import { statsCommand } from "./lib/cli/stats.ts";
import { stopCommand } from "./lib/cli/stop.ts";
import { superviseCommand } from "./lib/cli/supervise.ts";
import { topCommand } from "./lib/cli/top.ts";
import { waitCommand } from "./lib/cli/wait.ts";
import { exportCommand } from "./lib/cli/export.ts";
import { historyCommand } from "./lib/cli/history.ts";
import { imagesCommand } from "./lib/cli/images.ts";
import { inspectCommand } from "./lib/cli/inspect.ts";
import { loadCommand } from "./lib/cli/load.ts";
import { loginCommand, logoutCommand } from "./lib/cli/login.ts";
import { pullCommand } from "./lib/cli/pull.ts";
import { rmiCommand } from "./lib/cli/rmi.ts";
import { runCommand } from "./lib/cli/run.ts";
import { saveCommand } from "./lib/cli/save.ts";
import { tagCommand } from "./lib/cli/tag.ts";
import { networkCommand } from "./lib/cli/network.ts";
import { commitCommand } from "./lib/cli/commit.ts";
import { buildCommand } from "./lib/cli/build.ts";
import { builderCommand } from "./lib/cli/builder.ts";
import { pushCommand } from "./lib/cli/push.ts";
import { volumeCommand } from "./lib/cli/volume.ts";
import { systemCommand } from "./lib/cli/system.ts";
import { unshareCommand } from "./lib/cli/unshare.ts";
import { setWorkerEntry } from "./lib/image/worker_pool.ts";
import { fastExit } from "./lib/ffi/sys.ts";

const commands: Record<string, Command> = {
  attach: attachCommand,
  build: buildCommand,
  builder: builderCommand,
  commit: commitCommand,
  cp: cpCommand,
  create: createCommand,
  diff: diffCommand,
  exec: execCommand,
  export: exportCommand,
  kill: killCommand,
  logs: logsCommand,
  pause: pauseCommand,
  prune: pruneCommand,
  ps: psCommand,
  rename: renameCommand,
  info: infoCommand,
  version: versionCommand,
  port: portCommand,
  events: eventsCommand,
  restart: restartCommand,
  rm: rmCommand,
  start: startCommand,
  stats: statsCommand,
  stop: stopCommand,
  supervise: superviseCommand,
  top: topCommand,
  unpause: unpauseCommand,
  update: updateCommand,
  wait: waitCommand,
  history: historyCommand,
  images: imagesCommand,
  inspect: inspectCommand,
  load: loadCommand,
  login: loginCommand,
  logout: logoutCommand,
  pull: pullCommand,
  push: pushCommand,
  rmi: rmiCommand,
  run: runCommand,
  save: saveCommand,
  tag: tagCommand,
  volume: volumeCommand,
  network: networkCommand,
  system: systemCommand,
  unshare: unshareCommand,
};
// `berth image ls|rm|inspect|tag|history|prune|…`: the image verbs of the table above, under one name
commands.image = imageCommand(commands);
// `berth container …`: its help and unknown verbs (a known verb runs the top-level command directly, below)
commands.container = containerCommand(commands);

let exitFast = false;

/** Called as `berth-runc` (a link to the one file): the OCI runtime's command line. */
function calledAsRuntime(): boolean {
  const self = Deno.env.get("BERTH_SELF") ?? Deno.execPath();
  return /(^|\/)berth-runc$/.test(self);
}

/** Runs one berth command line and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // the OCI runtime has runc's command line, not berth's: `berth-runc …` or `berth runtime …`
  if (calledAsRuntime()) return await runcMain(argv);
  if (argv[0] === "runtime") return await runcMain(argv.slice(1));
  const { code, fastExit } = await runCommandLine(argv, commands);
  exitFast = fastExit;
  return code;
}

// In a Worker this same file is only the layer worker's carrier (see the import above).
if (import.meta.main && !("WorkerGlobalScope" in globalThis)) {
  setWorkerEntry(import.meta.url);
  const code = await main(Deno.args);
  // `run` writes everything synchronously: it leaves without Deno's teardown of threads and isolates
  // (~5 ms, a tenth of a container's start-up)
  if (exitFast) fastExit(code);
  await codeCacheTurn();
  Deno.exit(code);
}
