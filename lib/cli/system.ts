import { startService } from "../../mod.ts";
import { type Command, commandGroup } from "./command.ts";
import { UsageError } from "../util/errors.ts";

const service: Command = {
  name: "system service",
  summary: "Serve the Docker Engine API (for docker, docker-compose and the SDKs)",
  usage: "[OPTIONS] [URI]",
  help: [
    "-t, --time int   seconds without a connection before the service exits (0: never; default 5)",
    "URI: unix:///run/berth/berth.sock (default root), unix://ROOT/berth.sock (other roots), unix:///path or tcp://127.0.0.1:PORT",
  ],
  options: { time: { type: "string", short: "t" } },
  args: [0, 1],
  async run(g, v, [uri]) {
    const idle = v.time === undefined ? 5 : Number(v.time);
    if (!Number.isInteger(idle) || idle < 0) throw new UsageError(`invalid argument "${v.time}" for "-t, --time" flag: expected seconds (0: never exit)`);
    const svc = await startService({ root: g.root, uri, idleSeconds: idle });
    console.error(`berth: serving the Docker Engine API on ${svc.uri} (DOCKER_HOST=${svc.uri})`);
    await svc.done;
    return 0;
  },
};

export const systemCommand = commandGroup("system", "Manage berth", { service }, ["service   Serve the Docker Engine API"]);
