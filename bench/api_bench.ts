/**
 * The Engine API side by side: the same docker client (Debian's 20.10 at /usr/bin/docker when installed,
 * else the one on PATH) runs `docker run --rm --network none busybox true` through berth's socket and
 * through dockerd 20.10 (started here, as in startup_bench.ts), in one hyperfine run; then the latency of
 * `docker ps -a` with 100 containers on each.
 *
 *   toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/api_bench.ts [RUNS]
 */
import { join } from "../lib/util/path.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { BERTH, pushBusybox } from "./peers.ts";

const RUNS = Number(Deno.args[0] ?? 30);
const DOCKER = (() => {
  try {
    Deno.statSync("/usr/bin/docker");
    return "/usr/bin/docker";
  } catch {
    return "docker";
  }
})();

async function sh(script: string): Promise<string> {
  const r = await new Deno.Command("sh", { args: ["-c", script], stdout: "piped", stderr: "piped" }).output();
  if (!r.success) throw new Error(`${script}: ${new TextDecoder().decode(r.stderr).slice(0, 600)}`);
  return new TextDecoder().decode(r.stdout);
}

const work = await Deno.makeTempDir({ prefix: "berth-bench-api-" });
const reg = await startRegistry();
const cleanups: Array<() => Promise<unknown>> = [];
try {
  const image = await pushBusybox(reg, work);
  const berthRoot = join(work, "berth");
  await sh(`${BERTH} --root ${berthRoot} pull -q ${image}`);
  const berthSock = join(work, "berth.sock");
  const svc = new Deno.Command(BERTH, { args: ["--root", berthRoot, "system", "service", "--time", "0", `unix://${berthSock}`], stdout: "null", stderr: "null" }).spawn();
  cleanups.push(async () => {
    await sh(`${DOCKER} -H unix://${berthSock} rm -f $(${DOCKER} -H unix://${berthSock} ps -aq) >/dev/null 2>&1 || true`);
    svc.kill("SIGTERM");
    await svc.status;
  });

  const dockerSock = join(work, "docker.sock");
  const daemon = new Deno.Command("dockerd", {
    args: [
      "--data-root", join(work, "docker"), "--exec-root", join(work, "docker-run"), "-H", `unix://${dockerSock}`,
      "--pidfile", join(work, "docker.pid"), "--iptables=false", "--bridge=none", "--ip-forward=false", "--insecure-registry", reg.host,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  cleanups.push(async () => {
    await sh(`${DOCKER} -H unix://${dockerSock} rm -f $(${DOCKER} -H unix://${dockerSock} ps -aq) >/dev/null 2>&1 || true`);
    daemon.kill("SIGTERM");
    await daemon.status;
    await sh(`grep -o '${work}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`).catch(() => {});
  });
  for (let i = 0; i < 100; i++) {
    if ((await new Deno.Command(DOCKER, { args: ["-H", `unix://${dockerSock}`, "info"], stdout: "null", stderr: "null" }).output()).success) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await sh(`${DOCKER} -H unix://${dockerSock} pull -q ${image}`);

  const json = join(work, "api.json");
  const run = (sock: string) => `${DOCKER} -H unix://${sock} run --rm --network none ${image} true`;
  await sh(`hyperfine -N --warmup 3 -r ${RUNS} --export-json ${json} -n "berth API" '${run(berthSock)}' -n "dockerd" '${run(dockerSock)}' >&2`);
  const runs = JSON.parse(await Deno.readTextFile(json)).results as Array<{ command: string; median: number; mean: number; min: number }>;

  for (const sock of [berthSock, dockerSock]) {
    for (let i = 0; i < 100; i++) await sh(`${DOCKER} -H unix://${sock} create --network none --name bench-${i} ${image} true >/dev/null`);
  }
  const psJson = join(work, "ps.json");
  const ps = (sock: string) => `${DOCKER} -H unix://${sock} ps -a`;
  await sh(`hyperfine -N --warmup 3 -r ${RUNS} --export-json ${psJson} -n "berth API" '${ps(berthSock)}' -n "dockerd" '${ps(dockerSock)}' >&2`);
  const pss = JSON.parse(await Deno.readTextFile(psJson)).results as typeof runs;

  const ms = (x: number) => (x * 1000).toFixed(1);
  console.log(`\n${new Date().toISOString().slice(0, 10)}, client ${(await sh(`${DOCKER} --version`)).trim()}, ${RUNS} runs each:\n`);
  console.log("| what | through | median (ms) | mean (ms) | min (ms) | berth / dockerd |\n| --- | --- | --- | --- | --- | --- |");
  for (const [what, rs] of [["`docker run --rm --network none busybox true`", runs], ["`docker ps -a`, 100 containers", pss]] as const) {
    const ratio = (rs[0].median / rs[1].median).toFixed(2);
    for (const r of rs) console.log(`| ${what} | ${r.command} | ${ms(r.median)} | ${ms(r.mean)} | ${ms(r.min)} | ${r.command === "berth API" ? ratio + "×" : ""} |`);
  }
} finally {
  for (const c of cleanups) await c().catch((e) => console.error(`cleanup: ${e.message}`));
  await reg.stop();
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
