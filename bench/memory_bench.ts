/**
 * Memory of detached containers: for each N, starts N idle containers (`run -d --network none … sleep`), then
 * sums the PSS (proportional set size: shared pages divided among the processes sharing them) of every berth
 * process on the machine — the supervisor and anything else running berth's runtime — and divides by N; the
 * same for Podman's per-container monitor, conmon, side by side. The containers' own processes (`sleep`) are
 * counted for neither. Removes everything it made.
 *
 *   toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/memory_bench.ts [N…]   (default 20 50 100)
 */
import { join } from "../lib/util/path.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { berthIn, podmanPrefix, pushBusybox } from "./peers.ts";

const COUNTS = Deno.args.length ? Deno.args.map(Number) : [20, 50, 100];

const berth = berthIn;

/** kB of `field` (Pss, Rss) in /proc/PID/smaps_rollup. */
function rollup(pid: string, field: string): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`).match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return m ? Number(m[1]) : 0;
}

/** Processes whose command line matches `re` (not this one). */
function processes(re: RegExp): Array<{ pid: string; args: string }> {
  const out = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name) || e.name === String(Deno.pid)) continue;
    try {
      const args = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0").join(" ");
      if (re.test(args)) out.push({ pid: e.name, args });
    } catch { /* gone */ }
  }
  return out;
}

/** berth's runtime: the one-file build's unpacked deno, or deno compile's berth */
const BERTH_PROCS = /\/berth\/[0-9a-f]{16}\/deno |dist\/berth /;
const berthProcesses = () => processes(BERTH_PROCS);

/** PSS and RSS in MB summed over `procs` */
function memoryOf(procs: Array<{ pid: string }>): { pss: number; rss: number } {
  let pss = 0, rss = 0;
  for (const p of procs) {
    try {
      pss += rollup(p.pid, "Pss");
      rss += rollup(p.pid, "Rss");
    } catch { /* gone */ }
  }
  return { pss: pss / 1024, rss: rss / 1024 };
}

async function sh(cmd: string): Promise<string> {
  const r = await new Deno.Command("sh", { args: ["-c", cmd], stdout: "piped", stderr: "piped" }).output();
  if (!r.success) throw new Error(`${cmd}: ${new TextDecoder().decode(r.stderr)}`);
  return new TextDecoder().decode(r.stdout);
}

const hasPodman = (await new Deno.Command("sh", { args: ["-c", "command -v podman"], stdout: "null" }).output()).success;

const work = await Deno.makeTempDir({ prefix: "berth-bench-mem-" });
const reg = await startRegistry();
const root = join(work, "root");
const rows: string[] = [];
try {
  const image = await pushBusybox(reg, work);
  await berth(root, ["pull", "-q", image]);
  const podman = hasPodman ? await podmanPrefix(work) : undefined;
  if (podman) await sh(`${podman} pull -q --tls-verify=false ${image}`);
  for (const n of COUNTS) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await berth(root, ["run", "-d", "--network", "none", image, "sleep", "3600"])).trim());
    await new Promise((r) => setTimeout(r, 2000)); // idle: start-up garbage collected
    const running = (await berth(root, ["ps", "-q"])).trim().split("\n").filter(Boolean).length;
    if (running !== n) throw new Error(`${running} of ${n} containers running`);
    const procs = berthProcesses().filter((p) => p.args.includes(root)); // this bench's, not another berth's
    const b = memoryOf(procs);
    for (const p of procs) console.error(`  berth pid ${p.pid}: ${p.args.slice(0, 100)}`);
    await berth(root, ["rm", "-f", ...ids]);
    let peer = "–";
    if (podman) {
      for (let i = 0; i < n; i++) await sh(`${podman} run -d --network none ${image} sleep 3600`);
      await new Promise((r) => setTimeout(r, 2000));
      const conmons = processes(new RegExp(`^/usr/bin/conmon .*${work}/podman`));
      if (conmons.length !== n) console.error(`  ${conmons.length} conmon processes for ${n} containers`);
      const m = memoryOf(conmons);
      peer = `${(m.pss / n).toFixed(2)} (${conmons.length} conmon, ${m.pss.toFixed(1)} MB)`;
      await sh(`${podman} rm -f -t 0 -a >/dev/null`);
    }
    rows.push(`| ${n} | ${procs.length} | ${b.pss.toFixed(1)} | ${b.rss.toFixed(1)} | **${(b.pss / n).toFixed(2)}** | ${peer} |`);
    // the supervisor leaves a few seconds after its last container: the next N starts from nothing, as this one
    for (let i = 0; i < 100 && berthProcesses().some((p) => p.args.includes(root)); i++) await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`| idle detached containers | berth processes | their PSS (MB) | RSS (MB) | berth PSS per container (MB) | podman: conmon PSS per container (MB) |`);
  console.log(`| --- | --- | --- | --- | --- | --- |`);
  for (const r of rows) console.log(r);
} finally {
  await reg.stop();
  for (let i = 0; i < 100 && berthProcesses().some((p) => p.args.includes(root)); i++) await new Promise((r) => setTimeout(r, 100));
  await sh(`umount -R ${work}/podman/overlay 2>/dev/null; true`).catch(() => {});
  await Deno.remove(work, { recursive: true }).catch((e) => console.error(`cleanup: ${e.message}`));
}
