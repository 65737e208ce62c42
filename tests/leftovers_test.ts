/**
 * Issue 15's limits and leftovers: a command line and environment as long as the kernel takes, addresses
 * checked, `--add-host NAME:host-gateway`, temp files of a killed pull or build cleaned by the next one,
 * `--label-file`, and `system reset` leaving nothing of a root on the host.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH, berth, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { fullBusybox, runImages } from "./helpers/run_images.ts";
import { buildImage, pushImage, tarDir } from "./helpers/images.ts";
import { freePort, startRegistry } from "./helpers/registry.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({ name: "limits: long arguments and environment run; --dns, --add-host, --ip are checked; host-gateway", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  // one argument of 120 KB (the kernel takes up to 128 KiB a string) and 390 KB of environment
  const long = "a".repeat(120_000);
  const env = "e".repeat(130_000);
  const r = await b(["run", "--rm", "--network", "none", "-e", `A=${env}`, "-e", `B=${env}`, "-e", `C=${env}`, base, "sh", "-c", 'echo ${#1} ${#A} ${#B} ${#C}', "sh", long]);
  assertEquals([r.code, r.stdout, r.stderr], [0, "120000 130000 130000 130000\n", ""]);

  for (const [flag, value, message] of [
    ["--dns", "10.0.0.300", /"10\.0\.0\.300" for "--dns" flag: 10\.0\.0\.300 is not an ip address/],
    ["--dns", "dns.example", /is not an ip address/],
    ["--add-host", "db:999.1.1.1", /invalid IP address in add-host: "999\.1\.1\.1"/],
    ["--add-host", "db", /expected NAME:IP/],
    ["--ip", "10.1.2", /invalid string being converted to IP address: 10\.1\.2/],
  ] as const) {
    const bad = await b(["create", flag, value, base, "true"]);
    assertEquals(bad.code, 125, `${flag} ${value}`);
    assertMatch(bad.stderr, message);
  }
  // IPv6 addresses are addresses too; host-gateway is the host's address on the container's network
  const hosts = await b(["run", "--rm", "--dns", "2001:db8::53", "--add-host", "v6:[2001:db8::1]", "--add-host", "host.docker.internal:host-gateway", base, "sh", "-c", "cat /etc/resolv.conf; grep -v localhost /etc/hosts | grep -v ip6; ip route | grep default"]);
  assertEquals(hosts.code, 0, hosts.stderr);
  const gateway = /default via (\S+)/.exec(hosts.stdout)?.[1];
  assert(gateway, hosts.stdout);
  assertMatch(hosts.stdout, /^nameserver 2001:db8::53\n/);
  assertMatch(hosts.stdout, /\n2001:db8::1\tv6\n/);
  assertMatch(hosts.stdout, new RegExp(`\\n${gateway.replaceAll(".", "\\.")}\\thost\\.docker\\.internal\\n`));
} });

Deno.test({ name: "leftovers: a pull killed halfway leaves its temp files to the next pull, which removes them", ...PROC, fn: async () => {
  const root = await tempRoot();
  const reg = await startRegistry();
  const dir = await Deno.makeTempDir({ prefix: "berth-test-leftover-" });
  // a front for the registry that sends the first bytes of every big blob, then nothing
  const ac = new AbortController();
  const port = freePort();
  const stalled: ReadableStreamDefaultController[] = [];
  const front = Deno.serve({ hostname: "127.0.0.1", port, signal: ac.signal, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const up = await fetch(`${reg.url}${url.pathname}${url.search}`, { method: req.method, headers: req.headers });
    if (!/\/blobs\//.test(url.pathname) || Number(up.headers.get("content-length")) < 100_000) return up;
    const reader = up.body!.getReader();
    const first = (await reader.read()).value!;
    await reader.cancel();
    return new Response(new ReadableStream({ start(c) {
      c.enqueue(first.subarray(0, 4096));
      stalled.push(c);
    } }), { headers: up.headers });
  });
  try {
    await fullBusybox(dir);
    await pushImage(reg.url, "stall", "1", buildImage({ layers: [await tarDir(dir, true)], cmd: ["/bin/sh"] }));
    const p = new Deno.Command(BERTH, { args: ["--root", root, "pull", `127.0.0.1:${port}/stall:1`], stdout: "null", stderr: "null" }).spawn();
    let left: string[] = [];
    for (let i = 0; i < 100 && !left.length; i++) {
      await sleep(100);
      try {
        left = [...Deno.readDirSync(`${root}/tmp`)].map((e) => e.name).filter((n) => n.startsWith(`${p.pid}-`));
      } catch { /* not made yet */ }
    }
    assert(left.length > 0, "the pull made no temp dir");
    p.kill("SIGKILL");
    await p.status;
    assertEquals([...Deno.readDirSync(`${root}/tmp`)].filter((e) => e.name.startsWith(`${p.pid}-`)).length, 1, "the killed pull's temp dir is there");
    const again = await berth(root, ["pull", "-q", `${reg.host}/stall:1`]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals([...Deno.readDirSync(`${root}/tmp`)].map((e) => e.name), [], "the next pull removed it");
  } finally {
    // every step on its own: a failed one must not leave the others' files behind
    for (const c of stalled) {
      try {
        c.close();
      } catch { /* berth's side of it is already gone */ }
    }
    ac.abort();
    await front.finished.catch(() => {});
    await reg.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
} });

Deno.test({ name: "leftovers: a build killed in a RUN step leaves its container and temp dir to the next build, which removes them; --label-file; 'Sending build context'", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const ctx = await Deno.makeTempDir({ prefix: "berth-test-leftover-" });
  const b = (args: string[]) => berth(root, args);
  try {
    await Deno.writeTextFile(`${ctx}/Dockerfile`, `FROM ${base}\nRUN sleep 60\n`);
    await Deno.writeFile(`${ctx}/data`, new Uint8Array(2048));
    await Deno.writeTextFile(`${ctx}/.dockerignore`, "ignored\n");
    await Deno.writeFile(`${ctx}/ignored`, new Uint8Array(5_000_000));
    const p = new Deno.Command(BERTH, { args: ["--root", root, "build", "-t", "killed:1", ctx], stdout: "null", stderr: "null" }).spawn();
    let orphan = "";
    for (let i = 0; i < 100 && !orphan; i++) {
      await sleep(100);
      orphan = (await b(["ps", "-q", "--filter", `label=berth.build.pid=${p.pid}`, "--filter", "status=running"])).stdout.trim();
    }
    assert(orphan, "the RUN container never ran");
    p.kill("SIGKILL");
    await p.status;
    assert([...Deno.readDirSync(`${root}/tmp`)].some((e) => e.name.startsWith(`${p.pid}-`)), "the killed build's temp dir is there");
    assertEquals((await b(["ps", "-aq", "--filter", `label=berth.build.pid=${p.pid}`])).stdout.trim(), orphan);

    // the next build sweeps both; it says how big its context is (the .dockerignore'd file not counted)
    await Deno.writeTextFile(`${ctx}/Dockerfile`, `FROM ${base}\nRUN true\n`);
    await Deno.writeTextFile(`${ctx}/labels`, "# a comment\n\nteam=core\nrelease=1\n");
    const next = await b(["build", "--label-file", `${ctx}/labels`, "--label", "release=2", "-t", "swept:1", ctx]);
    assertEquals(next.code, 0, next.stderr);
    // as a tar: Dockerfile, .dockerignore and labels a header and one block each, data a header and 4 blocks, 2 end blocks
    const size = /^Sending build context to berth {2}(\S+)\nStep 1\/2 : FROM /.exec(next.stdout)?.[1];
    assertEquals(size, `${(3 * 1024 + 512 + 2048 + 1024) / 1000}kB`, next.stdout);
    assertEquals((await b(["ps", "-aq", "--filter", `label=berth.build.pid=${p.pid}`])).stdout, "", "the orphan RUN container is gone");
    assert(![...Deno.readDirSync(`${root}/tmp`)].some((e) => e.name.startsWith(`${p.pid}-`)), "the temp dir is gone");
    const labels = await b(["image", "inspect", "-f", "{{json .Config.Labels}}", "swept:1"]);
    assertEquals(JSON.parse(labels.stdout), { team: "core", release: "2" });
  } finally {
    await b(["rmi", "-f", "swept:1"]);
    await Deno.remove(ctx, { recursive: true });
  }
} });

Deno.test({ name: "labels: --label-file on run, create, network create and volume create (then --label over it)", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  const dir = await Deno.makeTempDir({ prefix: "berth-test-leftover-" });
  const file = `${dir}/labels`;
  await Deno.writeTextFile(file, "# labels\napp=shop\n  tier=back\nbare\n");
  const want = { app: "shop", tier: "front", bare: "" };
  try {
    const c = await b(["create", "--name", "lf-c", "--network", "none", "--label-file", file, "-l", "tier=front", base, "true"]);
    assertEquals(c.code, 0, c.stderr);
    assertEquals(JSON.parse((await b(["inspect", "-f", "{{json .Config.Labels}}", "lf-c"])).stdout), want);
    const r = await b(["run", "--rm", "--network", "none", "--label-file", file, "-l", "tier=front", base, "true"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals((await b(["network", "create", "--label-file", file, "--label", "tier=front", "lf-net"])).code, 0);
    assertEquals(JSON.parse((await b(["network", "inspect", "-f", "{{json .Labels}}", "lf-net"])).stdout), want);
    assertEquals((await b(["volume", "create", "--label-file", file, "--label", "tier=front", "lf-vol"])).code, 0);
    assertEquals(JSON.parse((await b(["volume", "inspect", "-f", "{{json .Labels}}", "lf-vol"])).stdout), want);
    assertEquals((await b(["volume", "ls", "-q", "--filter", "label=tier=front", "--filter", "label=bare"])).stdout, "lf-vol\n");
    const missing = await b(["create", "--label-file", `${dir}/nope`, base, "true"]);
    assertEquals(missing.code, 125);
    assertMatch(missing.stderr, /open .*\/nope: no such file or directory/);
  } finally {
    await b(["rm", "-f", "lf-c"]);
    await b(["network", "rm", "lf-net"]);
    await b(["volume", "rm", "lf-vol"]);
    await Deno.remove(dir, { recursive: true });
  }
} });

Deno.test({ name: "system reset: containers, networks (bridge, iptables rules), volumes (mounts), images and the root — all gone", ...PROC, fn: async () => {
  const { base } = await runImages();
  const root = await tempRoot();
  const reg = await startRegistry();
  const dir = await Deno.makeTempDir({ prefix: "berth-test-reset-" });
  const b = (args: string[]) => berth(root, args);
  try {
    await fullBusybox(dir);
    await pushImage(reg.url, "reset", "1", buildImage({ layers: [await tarDir(dir, true)], cmd: ["/bin/sh"] }));
    const image = `${reg.host}/reset:1`;
    assertEquals((await b(["pull", "-q", image])).code, 0);
    assertEquals((await b(["network", "create", "--subnet", "10.236.0.0/24", "-o", "com.docker.network.bridge.name=brreset0", "r-net"])).code, 0);
    assertEquals((await b(["volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "r-vol"])).code, 0);
    const id = (await b(["run", "-d", "--network", "r-net", "-p", "127.0.0.1::80", "-v", "r-vol:/v", image, "sleep", "600"])).stdout.trim();
    assertEquals((await b(["run", "-d", image, "sleep", "600"])).code, 0); // the default bridge too
    const netId = (await b(["network", "inspect", "-f", "{{.Id}}", "r-net"])).stdout.trim();
    const pid = Number((await b(["inspect", "-f", "{{.State.Pid}}", id])).stdout);
    assert(pid > 0);

    const refused = await b(["system", "reset"]);
    assertEquals(refused.code, 125);
    assertMatch(refused.stderr, /confirm with -f/);
    const reset = await b(["system", "reset", "-f"]);
    assertEquals(reset.code, 0, reset.stderr);

    assert(!(await Deno.stat(root).then(() => true, () => false)), "the root is gone");
    assert(!Deno.readTextFileSync("/proc/self/mountinfo").includes(root), "a mount under the root is left");
    assert(!(await Deno.stat(`/proc/${pid}`).then(() => true, () => false)), "the container's process is left");
    const links = new TextDecoder().decode((await new Deno.Command("ip", { args: ["-o", "link", "show", "brreset0"], stdout: "piped", stderr: "null" }).output()).stdout);
    assertEquals(links, "", "the network's bridge is left");
    const rules = new TextDecoder().decode((await new Deno.Command("iptables-save", { stdout: "piped" }).output()).stdout);
    assert(!rules.includes(netId.slice(0, 12)) && !rules.includes(id.slice(0, 12)), "iptables rules of the root are left");
    for (const ctrl of ["memory", "pids", "unified"]) {
      assert(!(await Deno.stat(`/sys/fs/cgroup/${ctrl}/berth/${id}`).then(() => true, () => false)), `cgroup ${ctrl} left`);
    }
    assertEquals((await b(["system", "reset", "-f"])).code, 0, "a second reset finds nothing to do");
    assert(base.length > 0);
  } finally {
    await b(["system", "reset", "-f"]).catch(() => {});
    await Deno.remove(root, { recursive: true }).catch(() => {});
    await reg.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
} });
