import { followLogs } from "../container/log_follow.ts";
import { UsageError } from "../util/errors.ts";
import type { Command } from "./command.ts";

export const logsCommand: Command = {
  name: "logs",
  summary: "Fetch the logs of a detached container",
  usage: "[OPTIONS] CONTAINER",
  help: [
    "-f, --follow         follow log output",
    "-n, --tail string    number of lines to show from the end of the logs (default \"all\")",
    "-t, --timestamps     show timestamps",
    "    --since string   since a timestamp (2026-11-22T10:00:00Z) or relative (42m)",
    "    --until string   before a timestamp or relative time (10m: ten minutes ago)",
  ],
  options: {
    follow: { type: "boolean", short: "f" },
    tail: { type: "string", short: "n" },
    timestamps: { type: "boolean", short: "t" },
    since: { type: "string" },
    until: { type: "string" },
  },
  args: [1, 1],
  fastExit: true,
  async run(g, v, [ref]) {
    let tail: number | undefined;
    if (v.tail !== undefined && v.tail !== "all") {
      tail = Number(v.tail);
      if (!Number.isInteger(tail) || tail < 0) throw new UsageError(`invalid value for --tail: ${v.tail}`);
    }
    await followLogs(g.root, ref, { follow: !!v.follow, tail, timestamps: !!v.timestamps, since: v.since as string | undefined, until: v.until as string | undefined });
    return 0;
  },
};
