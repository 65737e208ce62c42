import { updateContainer } from "../../mod.ts";
import { parseBytes, parseCpuset } from "../container/cgroups/limits.ts";
import type { ContainerUpdate } from "../container/update.ts";
import { parseRestartPolicy } from "../container/restart_policy.ts";
import { UsageError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";

function integer(flag: string, s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n)) throw new UsageError(`invalid argument "${s}" for "${flag}" flag`);
  return n;
}

/** The changes the flags ask for (only those given). */
export function updateFromFlags(v: Record<string, unknown>): ContainerUpdate {
  const limits: NonNullable<ContainerUpdate["limits"]> = {};
  if (v.memory !== undefined) limits.memory = parseBytes("-m, --memory", v.memory as string);
  if (v["memory-swap"] !== undefined) {
    const s = v["memory-swap"] as string;
    limits.memorySwap = s === "-1" ? -1 : parseBytes("--memory-swap", s);
  }
  if (v.cpus !== undefined) {
    const n = Number(v.cpus);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`invalid argument "${v.cpus}" for "--cpus" flag`);
    limits.cpus = n;
  }
  if (v["cpu-shares"] !== undefined) limits.cpuShares = integer("-c, --cpu-shares", v["cpu-shares"] as string);
  if (v["pids-limit"] !== undefined) limits.pidsLimit = integer("--pids-limit", v["pids-limit"] as string);
  if (v["cpuset-cpus"] !== undefined) limits.cpusetCpus = parseCpuset("cpus", v["cpuset-cpus"] as string);
  if (v["cpuset-mems"] !== undefined) limits.cpusetMems = parseCpuset("mems", v["cpuset-mems"] as string);
  if (v["blkio-weight"] !== undefined) limits.blkioWeight = integer("--blkio-weight", v["blkio-weight"] as string);
  const upd: ContainerUpdate = { limits };
  if (v.restart !== undefined) upd.restartPolicy = parseRestartPolicy(v.restart as string);
  if (!Object.keys(limits).length && !upd.restartPolicy) throw new UsageError("you must provide one or more flags when using this command");
  return upd;
}

export const updateCommand: Command = {
  name: "update",
  summary: "Update configuration of one or more containers (limits apply at once to running ones)",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  help: [
    "    --blkio-weight uint16   Block IO (relative weight), between 10 and 1000, or 0 to disable",
    "    --cpus decimal          Number of CPUs (0: no limit)",
    "-c, --cpu-shares int        CPU shares (relative weight)",
    "    --cpuset-cpus string    CPUs in which to allow execution (0-3, 0,1)",
    "    --cpuset-mems string    MEMs in which to allow execution (0-3, 0,1)",
    "-m, --memory bytes          Memory limit",
    "    --memory-swap bytes     Swap limit equal to memory plus swap: -1 to enable unlimited swap",
    "    --pids-limit int        Tune container pids limit (set -1 for unlimited)",
    "    --restart string        Restart policy to apply when a container exits",
  ],
  options: {
    "blkio-weight": { type: "string" },
    cpus: { type: "string" },
    "cpu-shares": { type: "string", short: "c" },
    "cpuset-cpus": { type: "string" },
    "cpuset-mems": { type: "string" },
    memory: { type: "string", short: "m" },
    "memory-swap": { type: "string" },
    "pids-limit": { type: "string" },
    restart: { type: "string" },
  },
  args: [1, Infinity],
  async run(g, v, refs) {
    const upd = updateFromFlags(v);
    for (const r of refs) await updateContainer(g.root, r, upd);
    out(refs.join("\n"));
    return 0;
  },
};
