import { startService } from "../../mod.ts";
import { type Command, commandGroup } from "./command.ts";
import { UsageError } from "../util/errors.ts";
import { systemDfCommand, systemPruneCommand } from "./prune_commands.ts";
import { resetRoot } from "../container/reset.ts";

const service: Command = {
  name: "system service",
  summary: "Serve the Docker Engine API (for docker, docker-compose and the SDKs)",
  usage: "[OPTIONS] [URI]",
  help: [
    "-t, --time int   seconds without a connection or a running container before the service exits (0: never; default 5)",
    "The service is the root's supervisor: containers it starts, and those the berth CLI starts while it runs,",
    "are its children; TERM or INT stops them (restart policies apply again at the next start), then the service.",
    "URI: unix:///run/berth/berth.sock (default root), unix://ROOT/berth.sock (other roots), unix:///path or tcp://127.0.0.1:PORT",
  ],
  options: { time: { type: "string", short: "t" } },
  args: [0, 1],
  async run(g, v, [uri]) {
    const idle = v.time === undefined ? 5 : Number(v.time);
    if (!Number.isInteger(idle) || idle < 0) throw new UsageError(`invalid argument "${v.time}" for "-t, --time" flag: expected seconds (0: never exit)`);
    const svc = await startService({ root: g.root, uri, idleSeconds: idle });
    console.error(`berth: serving the Docker Engine API on ${svc.uri} (DOCKER_HOST=${svc.uri})`);
    // as dockerd: a TERM or INT stops the containers this process supervises, then the service
    let stopping = false;
    const stop = () => {
      if (stopping) Deno.exit(130); // a second ^C: now (the containers die with this process)
      stopping = true;
      svc.shutdown().catch(() => {});
    };
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
    await svc.done;
    return 0;
  },
};

const reset: Command = {
  name: "system reset",
  summary: "Remove everything the root holds: containers, networks (bridges, iptables rules), volumes, images, the root itself",
  usage: "[OPTIONS]",
  help: ["-f, --force   do not prompt for confirmation (needed when stdin is not a terminal)"],
  options: { force: { type: "boolean", short: "f" } },
  args: [0, 0],
  async run(g, v) {
    if (!v.force) {
      if (!Deno.stdin.isTerminal()) throw new UsageError("system reset removes everything under the root: confirm with -f");
      const answer = prompt(`WARNING! This will remove every container, network, volume and image of ${g.root}, and the directory itself.\nAre you sure you want to continue? [y/N]`);
      if (!/^y(es)?$/i.test(answer?.trim() ?? "")) return 1;
    }
    await resetRoot(g.root);
    return 0;
  },
};

export const systemCommand = commandGroup("system", "Manage berth", { service, df: systemDfCommand, prune: systemPruneCommand, reset }, [
  "service   Serve the Docker Engine API",
  "df        Show disk usage",
  "prune     Remove stopped containers, unused networks and dangling images",
  "reset     Remove everything the root made, on the host and on disk",
]);
