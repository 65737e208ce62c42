/**
 * berth as an OCI runtime side by side with runc and crun under the same caller: `ctr run --rm` of a busybox
 * image running `true`, through containerd 1.6 and its runc shim with `--runc-binary` set to each runtime, one
 * hyperfine run. Each container costs several runtime calls (create, start, state, delete…), each a fresh
 * process, so berth's own start-up counts several times.
 *
 * containerd runs inside `unshare -m` with /sys/fs/cgroup/unified unmounted (crun refuses hybrid cgroups
 * otherwise; runc and berth do not use that hierarchy), in a temp root (tests/helpers/containerd.ts), which goes at the end.
 *
 *   toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/runtime_bench.ts [RUNS]
 */
import { BERTH } from "../tests/helpers/berth.ts";
import { busyboxArchive, type Containerd, startContainerd } from "../tests/helpers/containerd.ts";

const RUNS = Number(Deno.args[0] ?? 30);

async function sh(cmd: string, args: string[]): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr).slice(0, 600)}`);
  return new TextDecoder().decode(r.stdout);
}

const dir = await Deno.makeTempDir({ prefix: "berth-bench-runtime-" });
let containerd: Containerd | undefined;
try {
  const archive = await busyboxArchive(dir);
  Deno.symlinkSync(BERTH, `${dir}/berth-runc`);
  containerd = await startContainerd(dir, "berth-bench", (cmd) => ["unshare", ["-m", "--propagation", "private", "sh", "-c", `umount /sys/fs/cgroup/unified 2>/dev/null; ${cmd}`]]);
  const { sock, ns, ctr } = containerd;
  await ctr(["images", "import", archive]);
  const runtimes: Array<[string, string]> = [["berth-runc", `${dir}/berth-runc`], ["runc", "/usr/sbin/runc"], ["crun", "/usr/bin/crun"]];
  const cmd = (name: string, bin: string) => `ctr -a ${sock} -n ${ns} run --rm --runc-binary ${bin} docker.io/library/bb:1 b-${name} true`;
  for (const [name, bin] of runtimes) await sh("sh", ["-c", cmd(name, bin)]); // each works before it is timed
  const json = `${dir}/hyperfine.json`;
  await sh("hyperfine", ["-N", "--warmup", "3", "-r", String(RUNS), "--export-json", json, ...runtimes.flatMap(([n, b]) => ["-n", n, cmd(n, b)])]);
  const results = JSON.parse(Deno.readTextFileSync(json)).results as Array<{ command: string; median: number; mean: number; min: number }>;
  const runc = results.find((r) => r.command === "runc")!;
  console.log(`\n${new Date().toISOString().slice(0, 10)}, containerd ${(await sh("containerd", ["--version"])).split(" ")[2]}, ${RUNS} runs each:\n`);
  console.log("| `ctr run --rm busybox true` with | median (ms) | mean (ms) | min (ms) | / runc |\n| --- | --- | --- | --- | --- |");
  for (const r of results) {
    console.log(`| ${r.command} | ${(r.median * 1000).toFixed(1)} | ${(r.mean * 1000).toFixed(1)} | ${(r.min * 1000).toFixed(1)} | ${(r.median / runc.median).toFixed(2)}× |`);
  }
} finally {
  // containerd, its mounts and runtime state, and the namespace's cgroup parents runc and crun leave
  await containerd?.stop();
  await Deno.remove(dir, { recursive: true });
}
