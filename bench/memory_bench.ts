/**
 * Memory of detached containers: starts N idle containers (`run -d … sleep`), then sums the PSS
 * (proportional set size: shared pages divided among the processes sharing them) of every berth
 * process on the machine — the supervisor and anything else running berth's runtime — and divides
 * by N. The containers' own processes (`sleep`) are not berth's and are not counted. Removes
 * everything it made.
 *
 *   toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/memory_bench.ts [N]
 */
import { join } from "../lib/util/path.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { berthIn, pushBusybox } from "./peers.ts";

const N = Number(Deno.args[0] ?? 20);

const berth = berthIn;

/** kB of `field` (Pss, Rss) in /proc/PID/smaps_rollup. */
function rollup(pid: string, field: string): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`).match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return m ? Number(m[1]) : 0;
}

/** Processes running berth's runtime (the one-file build's unpacked deno, or deno compile's berth). */
function berthProcesses(): Array<{ pid: string; args: string }> {
  const out = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name) || e.name === String(Deno.pid)) continue;
    try {
      const args = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0").join(" ");
      if (/\/berth\/[0-9a-f]{16}\/deno |dist\/berth /.test(args)) out.push({ pid: e.name, args });
    } catch { /* gone */ }
  }
  return out;
}

const work = await Deno.makeTempDir({ prefix: "berth-bench-mem-" });
const reg = await startRegistry();
const root = join(work, "root");
try {
  const image = await pushBusybox(reg, work);
  await berth(root, ["pull", "-q", image]);
  const ids: string[] = [];
  for (let i = 0; i < N; i++) ids.push((await berth(root, ["run", "-d", image, "sleep", "3600"])).trim());
  await new Promise((r) => setTimeout(r, 2000)); // idle: start-up garbage collected
  const running = (await berth(root, ["ps", "-q"])).trim().split("\n").filter(Boolean).length;
  if (running !== N) throw new Error(`${running} of ${N} containers running`);
  const procs = berthProcesses().map((p) => ({ ...p, pss: rollup(p.pid, "Pss"), rss: rollup(p.pid, "Rss") }));
  const pss = procs.reduce((n, p) => n + p.pss, 0);
  console.log(`| idle detached containers | berth processes | PSS of them (MB) | RSS (MB) | PSS per container (MB) |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  console.log(
    `| ${N} | ${procs.length} | ${(pss / 1024).toFixed(1)} | ${(procs.reduce((n, p) => n + p.rss, 0) / 1024).toFixed(1)} | ${(pss / 1024 / N).toFixed(2)} |`,
  );
  for (const p of procs) console.error(`  pid ${p.pid}: PSS ${(p.pss / 1024).toFixed(1)} MB: ${p.args.slice(0, 120)}`);
  await berth(root, ["rm", "-f", ...ids]);
  await berth(root, ["network", "rm", "bridge"]); // the host's bridge and rules go with the bench's root
} finally {
  await reg.stop();
  // the supervisor leaves a few seconds after its last container
  for (let i = 0; i < 100 && berthProcesses().some((p) => p.args.includes(root)); i++) await new Promise((r) => setTimeout(r, 100));
  await Deno.remove(work, { recursive: true });
}
