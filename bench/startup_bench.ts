/**
 * Container start-up side by side in one hyperfine run: `berth run --rm IMAGE true` against `runc run`
 * and `crun run` of an equivalent bundle (the same busybox rootfs, `true`, no network), `podman run
 * --rm` and `docker run --rm` (both with `--network none`, like berth's default) of the same image
 * from a loopback registry. Everything runs inside a private mount namespace where the hybrid host's
 * /sys/fs/cgroup/unified is unmounted: crun refuses hybrid cgroups otherwise; the others do not use it.
 *
 *   toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/startup_bench.ts [RUNS]
 */
import { join } from "../lib/util/path.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { BERTH, podmanPrefix, pushBusybox } from "./peers.ts";

const RUNS = Number(Deno.args[0] ?? 40);


async function run(cmd: string, args: string[], opts: { env?: Record<string, string>; quiet?: boolean } = {}): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", env: opts.env }).output();
  const text = new TextDecoder().decode(r.stdout);
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr).slice(0, 800)}`);
  return text;
}

const have = async (cmd: string) => (await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" }).output()).success;

const work = await Deno.makeTempDir({ prefix: "berth-bench-start-" });
const reg = await startRegistry();
const cleanups: Array<() => Promise<unknown>> = [];
try {
  const image = await pushBusybox(reg, work);
  const commands: Array<[string, string]> = [];

  const berthRoot = join(work, "berth");
  await run(BERTH, ["--root", berthRoot, "pull", "-q", image]);
  commands.push(["berth run --rm", `${BERTH} --root ${berthRoot} run --rm ${image} true`]);
  // berth's default network: a bridge and rules of the host's, made by the first run
  cleanups.push(() => run(BERTH, ["--root", berthRoot, "network", "rm", "bridge"]).catch(() => {}));

  // one OCI bundle for runc and crun: the same rootfs, `true`, no terminal, no network (own netns)
  const bundle = join(work, "bundle");
  await Deno.mkdir(join(bundle, "rootfs"), { recursive: true });
  await run("sh", ["-c", `${BERTH} --root ${berthRoot} export ${image} | tar -x -C ${bundle}/rootfs`]);
  await run("runc", ["spec", "--bundle", bundle]);
  const spec = JSON.parse(await Deno.readTextFile(join(bundle, "config.json")));
  spec.process.terminal = false;
  spec.process.args = ["true"];
  await Deno.writeTextFile(join(bundle, "config.json"), JSON.stringify(spec));
  if (await have("runc")) commands.push(["runc run", `runc --root ${work}/runc-state run --bundle ${bundle} bench-runc`]);
  if (await have("crun")) commands.push(["crun run", `crun --root ${work}/crun-state run --bundle ${bundle} bench-crun`]);

  if (await have("podman")) {
    const p = await podmanPrefix(work);
    try {
      await run("sh", ["-c", `${p} pull -q --tls-verify=false ${image}`]);
      commands.push(["podman run --rm", `sh -c '${p} run --rm --network none ${image} true'`]);
      cleanups.push(() => run("sh", ["-c", `${p} system reset -f`]).catch(() => {}));
    } catch (err) {
      console.error(`podman skipped: ${(err as Error).message}`);
    }
  }

  if (await have("dockerd")) {
    const sock = join(work, "docker.sock");
    const daemon = new Deno.Command("dockerd", {
      args: [
        "--data-root", join(work, "docker"), "--exec-root", join(work, "docker-run"), "-H", `unix://${sock}`,
        "--pidfile", join(work, "docker.pid"), "--iptables=false", "--bridge=none", "--ip-forward=false",
        "--insecure-registry", reg.host,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    cleanups.push(async () => {
      daemon.kill("SIGTERM");
      await daemon.status;
      await run("sh", ["-c", `grep -o '${work}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`]).catch(() => {});
    });
    const d = `docker -H unix://${sock}`;
    try {
      for (let i = 0; i < 100 && !(await new Deno.Command("sh", { args: ["-c", `${d} info`], stdout: "null", stderr: "null" }).output()).success; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await run("sh", ["-c", `${d} pull -q ${image}`]);
      commands.push(["docker run --rm", `${d} run --rm --network none ${image} true`]);
    } catch (err) {
      console.error(`docker skipped: ${(err as Error).message}`);
    }
  }

  // rootless (issue 16): an ordinary user made here, with subordinate ids; berth and podman as that user,
  // both with --network none, against root's berth with the same flags (setpriv: no su, no login, ~1 ms)
  commands.push(["berth run --rm --network none", `${BERTH} --root ${berthRoot} run --rm --network none ${image} true`]);
  if (await have("setpriv") && await have("newuidmap")) {
    const user = "berthbench";
    await run("sh", ["-c", `id ${user} >/dev/null 2>&1 || useradd -m -s /bin/sh ${user}`]);
    const uid = (await run("id", ["-u", user])).trim();
    cleanups.push(() => run("sh", ["-c", `pkill -KILL -u ${user}; sleep 0.3; userdel -r -f ${user} 2>/dev/null; sed -i '/^${user}:/d' /etc/subuid /etc/subgid; rm -rf /tmp/berth-run-${uid} /tmp/podman-run-${uid} /tmp/containers-user-${uid}`]).catch(() => {}));
    for (const f of ["/etc/subuid", "/etc/subgid"]) {
      if (!(await Deno.readTextFile(f)).split("\n").some((l) => l.startsWith(`${user}:`))) await Deno.writeTextFile(f, `${user}:1100000:65536\n`, { append: true });
    }
    const as = `setpriv --reuid=${uid} --regid=${uid} --clear-groups env -u XDG_RUNTIME_DIR HOME=/home/${user}`;
    await run("sh", ["-c", `cd /tmp && ${as} ${BERTH} pull -q ${image}`]);
    commands.push(["rootless berth run --rm --network none", `${as} ${BERTH} run --rm --network none ${image} true`]);
    // and with each one's default network: slirp4netns (a process per container) against root's bridge
    commands.push(["rootless berth run --rm", `${as} ${BERTH} run --rm ${image} true`]);
    if (await have("podman")) {
      const conf = join(work, "containers.conf");
      await Deno.chmod(work, 0o755);
      await Deno.writeTextFile(conf, '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n');
      const pod = `${as} CONTAINERS_CONF=${conf} podman`;
      try {
        await run("sh", ["-c", `cd /tmp && ${pod} pull -q --tls-verify=false ${image}`]);
        commands.push(["rootless podman run --rm --network none", `${pod} run --rm --network none ${image} true`]);
      } catch (err) {
        console.error(`rootless podman skipped: ${(err as Error).message}`);
      }
    }
  }

  const json = join(work, "startup.json");
  const hf = ["hyperfine", "-N", "--warmup", "5", "-r", String(RUNS), "--export-json", json,
    ...commands.flatMap(([name, cmd]) => ["-n", name, cmd])];
  // crun needs the hybrid host's cgroup2 mount out of sight: hide it in a private mount namespace for all
  const quoted = hf.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const script = `umount /sys/fs/cgroup/unified 2>/dev/null; exec ${quoted}`;
  const r = await new Deno.Command("unshare", { args: ["-m", "--propagation", "private", "sh", "-c", script], stdout: "inherit", stderr: "inherit" }).output();
  if (!r.success) throw new Error("hyperfine failed");
  // medians, and each one against runc's (the yardstick: berth ≤ 2× runc run)
  const results = JSON.parse(await Deno.readTextFile(json)).results as Array<{ command: string; median: number; mean: number; min: number }>;
  const runc = results.find((r) => r.command === "runc run")?.median;
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${RUNS} runs each after 5 warm-ups:\n`);
  console.log("| command | median (ms) | mean (ms) | min (ms) | median vs runc run |\n| --- | --- | --- | --- | --- |");
  for (const r of results) {
    const ms = (x: number) => (x * 1000).toFixed(1);
    console.log(`| \`${r.command}\` | ${ms(r.median)} | ${ms(r.mean)} | ${ms(r.min)} | ${runc ? (r.median / runc).toFixed(2) + "×" : "–"} |`);
  }
  const median = (name: string) => results.find((r) => r.command === name)?.median;
  const rootful = median("berth run --rm --network none"), rootless = median("rootless berth run --rm --network none");
  if (rootful && rootless) console.log(`\nrootless berth / root's berth (both --network none): ${(rootless / rootful).toFixed(2)}×`);
  const bridge = median("berth run --rm"), slirp = median("rootless berth run --rm");
  if (bridge && slirp) console.log(`rootless berth / root's berth (each one's default network): ${(slirp / bridge).toFixed(2)}×`);
} finally {
  for (const c of cleanups) await c();
  await reg.stop();
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
