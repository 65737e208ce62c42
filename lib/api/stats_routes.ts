/** `/containers/{id}/stats` and `/containers/{id}/top`: what `docker stats` and `docker top` compute from. */
import { containerCgroup } from "../container/cgroups/cgroup.ts";
import { getContainer } from "../container/lifecycle.ts";
import { readRecord } from "../container/state.ts";
import { containerTop } from "../container/top.ts";
import { BerthError } from "../util/errors.ts";
import { netStats } from "../container/net_stats.ts";
import { boolParam } from "./errors.ts";
import { HttpError } from "./http/server.ts";
import { clientGone } from "./http/request.ts";
import type { Router } from "./router.ts";

/** Host CPU time in nanoseconds, as dockerd reads it from /proc/stat (all CPUs, in USER_HZ ticks). */
function systemCpuNanos(): number {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
  const ticks = line.split(/\s+/).slice(1, 8).reduce((a, b) => a + Number(b), 0);
  return ticks * 1e7; // 100 ticks a second
}

function sample(id: string) {
  const s = containerCgroup(id).stats();
  return { s, system: systemCpuNanos(), at: new Date().toISOString() };
}

export function statsRoutes(router: Router, root: string): void {
  router.add("GET", "/containers/{id}/stats", async (req, res, p) => {
    const rec = await getContainer(root, p.id);
    const stream = req.query.get("stream") === null ? true : boolParam(req.query, "stream");
    const oneShot = boolParam(req.query, "one-shot");
    const cpus = navigator.hardwareConcurrency;
    const doc = (cur: ReturnType<typeof sample>, pre: ReturnType<typeof sample> | undefined) => {
      const now = readRecord(root, rec.spec.id);
      const cpu = (x: ReturnType<typeof sample> | undefined) => ({
        cpu_usage: { total_usage: x?.s.cpuNanos ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
        system_cpu_usage: x?.system ?? 0,
        online_cpus: cpus,
        throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
      });
      return {
        read: cur.at,
        preread: pre?.at ?? "0001-01-01T00:00:00Z",
        pids_stats: { current: cur.s.pids ?? 0, limit: rec.spec.limits.pidsLimit ?? 0 },
        blkio_stats: {},
        num_procs: 0,
        storage_stats: {},
        cpu_stats: cpu(cur),
        precpu_stats: cpu(pre),
        memory_stats: { usage: cur.s.memoryBytes ?? 0, limit: cur.s.memoryLimit ?? Deno.systemMemoryInfo().total, stats: {} },
        name: `/${rec.spec.name}`,
        id: rec.spec.id,
        networks: netStats(now?.state.pid),
      };
    };
    res.header("content-type", "application/json");
    if (rec.state.status !== "running") {
      const zero = { s: {}, system: 0, at: "0001-01-01T00:00:00Z" };
      return await res.send(200, doc(zero, undefined));
    }
    let pre: ReturnType<typeof sample> | undefined;
    if (!stream) {
      if (!oneShot) {
        pre = sample(rec.spec.id);
        await new Promise((r) => setTimeout(r, 1000));
      }
      return await res.send(200, doc(sample(rec.spec.id), pre));
    }
    await res.start(200);
    const gone = clientGone(req, res);
    while (!gone.aborted) {
      const now = readRecord(root, rec.spec.id);
      if (!now || now.state.status !== "running") return;
      const cur = sample(rec.spec.id);
      await res.writeJson(doc(cur, pre));
      pre = cur;
      await new Promise((r) => {
        const t = setTimeout(r, 1000);
        gone.addEventListener("abort", () => (clearTimeout(t), r(undefined)));
      });
    }
  });

  router.add("GET", "/containers/{id}/top", async (req, res, p) => {
    const rec = await getContainer(root, p.id);
    if (rec.state.status !== "running") throw new HttpError(409, `Container ${rec.spec.id} is not running`);
    const psArgs = (req.query.get("ps_args") ?? "").trim();
    try {
      await res.send(200, await containerTop(root, rec.spec.id, psArgs ? psArgs.split(/\s+/) : undefined));
    } catch (err) {
      throw err instanceof BerthError ? new HttpError(500, err.message) : err;
    }
  });
}
