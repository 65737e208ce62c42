/**
 * `berth update` (and the API's `POST /containers/{id}/update` through the docker CLI): limits change in a
 * running container's cgroup at once, stay for its next start, and the restart policy changes; bad values
 * are refused before anything changes.
 */
import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";
import { startTestService } from "./helpers/service.ts";

// inside the container its own cgroup is at /sys/fs/cgroup (v2) or /sys/fs/cgroup/<controller> (v1)
const READ = [
  "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
  "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max",
  "cut -d' ' -f1 /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us",
].join("; ");

const DOCKER = ["/usr/local/bin/docker", "/usr/bin/docker"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

Deno.test({ name: "update: limits of a running container change at once and stay; restart policy; bad values refused", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const run = await berth(root, ["run", "-d", "--name", "upd", "--network", "none", "--memory", "64m", "--pids-limit", "100", base, "sleep", "60"]);
  assertEquals(run.code, 0, run.stderr);
  try {
    const limits = async () => (await berth(root, ["exec", "upd", "sh", "-c", READ])).stdout.trim().split("\n");
    assertEquals((await limits()).slice(0, 2), [String(64 << 20), "100"]);

    const upd = await berth(root, ["update", "--memory", "96m", "--memory-swap", "200m", "--pids-limit", "42", "--cpus", "0.5", "--restart", "on-failure:3", "upd"]);
    assertEquals(upd.code, 0, upd.stderr);
    assertEquals(upd.stdout, "upd\n");
    assertEquals(await limits(), [String(96 << 20), "42", "50000"]);
    const inspect = JSON.parse((await berth(root, ["inspect", "upd"])).stdout)[0];
    assertEquals([inspect.HostConfig.Memory, inspect.HostConfig.MemorySwap, inspect.HostConfig.PidsLimit, inspect.HostConfig.NanoCpus], [96 << 20, 200 << 20, 42, 5e8]);
    assertEquals(inspect.HostConfig.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });
    // lowering the memory below the swap limit set before, and no pids limit, no CPU limit
    assertEquals((await berth(root, ["update", "-m", "32m", "--pids-limit", "-1", "--cpus", "0", "upd"])).code, 0);
    assertMatch((await limits()).join(" "), new RegExp(`^${32 << 20} max (-1|max)$`));

    // refused, nothing changed
    for (const [args, msg] of [
      [["-m", "1m"], /Minimum memory limit allowed is 6MB/],
      [["-m", "300m"], /smaller than already set memoryswap/],
      [["--blkio-weight", "5"], /Range of blkio weight is from 10 to 1000/],
      [["--cpus", "x"], /invalid argument "x" for "--cpus"/],
      [[], /you must provide one or more flags/],
    ] as const) {
      const r = await berth(root, ["update", ...args, "upd"]);
      assertEquals(r.code, 125, `update ${args.join(" ")}`);
      assertMatch(r.stderr, msg);
    }
    assertMatch((await berth(root, ["update", "-m", "64m", "nope"])).stderr, /No such container: nope/);
    assertEquals((await limits())[0], String(32 << 20));

    // the next start keeps what update set
    await berth(root, ["stop", "-t", "0", "upd"]);
    await berth(root, ["start", "upd"]);
    assertEquals((await limits()).slice(0, 2), [String(32 << 20), "max"]);
  } finally {
    await berth(root, ["rm", "-f", "upd"]);
  }
  const rm = await berth(root, ["run", "-d", "--rm", "--name", "upd-rm", "--network", "none", base, "sleep", "60"]);
  assertEquals(rm.code, 0);
  assertMatch((await berth(root, ["update", "--restart", "always", "upd-rm"])).stderr, /AutoRemove is enabled/);
  await berth(root, ["rm", "-f", "upd-rm"]);
} });

Deno.test({ name: "update: docker update through the API", ...PROC, ignore: !DOCKER, fn: async () => {
  const { root, base } = await runImages();
  const svc = await startTestService(root);
  try {
    const d = (args: string[]) => new Deno.Command(DOCKER!, { args, env: { DOCKER_HOST: svc.host }, stdout: "piped", stderr: "piped" }).output();
    assertEquals((await d(["run", "-d", "--name", "dupd", "--network", "none", base, "sleep", "60"])).code, 0);
    const u = await d(["update", "--memory", "80m", "--memory-swap", "160m", "--pids-limit", "33", "--restart", "always", "dupd"]);
    assertEquals(u.code, 0, new TextDecoder().decode(u.stderr));
    assertEquals((await berth(root, ["exec", "dupd", "sh", "-c", READ])).stdout.trim().split("\n").slice(0, 2), [String(80 << 20), "33"]);
    const f = await d(["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}", "dupd"]);
    assertEquals(new TextDecoder().decode(f.stdout), `${80 << 20} 33 always\n`);
    const bad = await d(["update", "--memory", "1m", "dupd"]);
    assertEquals(bad.code, 1);
    assertMatch(new TextDecoder().decode(bad.stderr), /Minimum memory limit allowed is 6MB/);
    await d(["rm", "-f", "dupd"]);
  } finally {
    await svc.stop();
  }
} });
