import { mergedLimits } from "../../container/update.ts";
import { limitsOf, ociCgroup } from "../../runtime/oci_cgroup.ts";
import type { OciResources } from "../../runtime/oci_config.ts";
import { mustReadState } from "../../runtime/runtime_state.ts";
import { BerthError } from "../../util/errors.ts";
import type { RuncCommand } from "../command.ts";

/** `update --resources FILE|- ID` (or the single-limit flags): new limits in the container's cgroup. */
export const updateCommand: RuncCommand = {
  usage: "update [command options] <container-id>",
  flags: {
    resources: { type: "string", alias: ["r"] },
    memory: { type: "string" },
    "memory-swap": { type: "string" },
    "cpu-quota": { type: "string" },
    "cpu-period": { type: "string" },
    "cpu-share": { type: "string" },
    "pids-limit": { type: "int" },
    "blkio-weight": { type: "int" },
  },
  args: [1, 1],
  async run(g, f, [id]) {
    const s = mustReadState(g.root, id);
    let r: OciResources;
    if (f.resources) {
      const text = f.resources === "-" ? await new Response(Deno.stdin.readable).text() : Deno.readTextFileSync(f.resources as string);
      try {
        r = JSON.parse(text);
      } catch (err) {
        throw new BerthError(`resources: invalid JSON: ${(err as Error).message}`, 1);
      }
    } else {
      const num = (k: string) => (f[k] === undefined ? undefined : Number(f[k]));
      r = {
        memory: { limit: num("memory"), swap: num("memory-swap") },
        cpu: { quota: num("cpu-quota"), period: num("cpu-period"), shares: num("cpu-share") },
        pids: f["pids-limit"] === undefined ? undefined : { limit: f["pids-limit"] as number },
        blockIO: f["blkio-weight"] === undefined ? undefined : { weight: f["blkio-weight"] as number },
      };
    }
    const { devices: _devices, allDevices: _all, ...limits } = limitsOf({ ...r, devices: undefined });
    ociCgroup(s.cgroupPath).update(mergedLimits({}, limits));
    return 0;
  },
};
