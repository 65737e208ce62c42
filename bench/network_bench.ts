/**
 * Throughput through a published port: 1 GiB over TCP from the host to `nc -l` in a berth container,
 * to the container's address directly and through `-p` on 127.0.0.1 (DNAT), and, as the floor, to
 * the same busybox `nc -l` run on the host's loopback without a container. The runs take turns.
 *
 *   toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/network_bench.ts [RUNS] [MiB]
 */
import { join } from "../lib/util/path.ts";
import { freePort, startRegistry } from "../tests/helpers/registry.ts";
import { berthIn, pushBusybox } from "./peers.ts";

const RUNS = Number(Deno.args[0] ?? 3);
const MIB = Number(Deno.args[1] ?? 1024);

const berth = berthIn;

/** Seconds to write MIB MiB to host:port (the receiver discards them). */
async function send(hostname: string, port: number): Promise<number> {
  const buf = new Uint8Array(1 << 20);
  const t = performance.now();
  const c = await Deno.connect({ hostname, port });
  for (let i = 0; i < MIB; i++) {
    for (let o = 0; o < buf.length;) o += await c.write(buf.subarray(o));
  }
  c.close();
  return (performance.now() - t) / 1000;
}

const work = await Deno.makeTempDir({ prefix: "berth-bench-net-" });
const reg = await startRegistry();
const root = join(work, "root");
let hostNc: Deno.ChildProcess | undefined;
try {
  const image = await pushBusybox(reg, work);
  await berth(root, ["pull", "-q", image]);
  const hostPort = freePort();
  await berth(root, ["run", "-d", "--name", "sink", "-p", `127.0.0.1:${hostPort}:5001`, image, "sh", "-c", "while :; do nc -l -p 5001 > /dev/null; done"]);
  const ip = JSON.parse(await berth(root, ["inspect", "sink"]))[0].NetworkSettings.IPAddress as string;
  const loopPort = freePort();
  hostNc = new Deno.Command("sh", { args: ["-c", `while :; do busybox nc -l -p ${loopPort} > /dev/null; done`], stdout: "null", stderr: "null" }).spawn();
  await new Promise((r) => setTimeout(r, 500));
  const targets: Array<[string, string, number]> = [
    ["host loopback, no container (busybox nc on the host)", "127.0.0.1", loopPort],
    ["container address over the bridge", ip, 5001],
    ["published port on 127.0.0.1 (-p, DNAT)", "127.0.0.1", hostPort],
  ];
  const times = new Map<string, number[]>(targets.map(([n]) => [n, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, host, port] of targets) {
      times.get(name)!.push(await send(host, port));
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`| ${MIB} MiB over TCP to | median (s) | MiB/s | runs (s) |\n| --- | --- | --- | --- |`);
  for (const [name, xs] of times) console.log(`| ${name} | ${median(xs).toFixed(2)} | ${(MIB / median(xs)).toFixed(0)} | ${xs.map((x) => x.toFixed(2)).join(", ")} |`);
  await berth(root, ["rm", "-f", "sink"]);
  await berth(root, ["network", "rm", "bridge"]);
} finally {
  if (hostNc) {
    // the shell loop and its nc
    await new Deno.Command("pkill", { args: ["-f", "busybox nc -l -p"] }).output();
    try {
      hostNc.kill("SIGKILL");
    } catch { /* pkill got the loop too */ }
    await hostNc.status;
  }
  await reg.stop();
  for (let i = 0; i < 100; i++) {
    const ps = await new Deno.Command("pgrep", { args: ["-f", `${root} supervise`], stdout: "null" }).output();
    if (!ps.success) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await Deno.remove(work, { recursive: true });
}
