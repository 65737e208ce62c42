/**
 * Issue 15 (in part): Docker's commands and flags beyond `run` — network create --internal/--ip-range/-o,
 * network connect --ip/--alias, volume create -o, cp -a/-L, pull/push -a, the `container` group, attach with
 * detach keys, streaming stats, top with ps options.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH, berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { fullBusybox, runImages } from "./helpers/run_images.ts";
import { buildImage, pushImage, tarDir } from "./helpers/images.ts";
import { startRegistry } from "./helpers/registry.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dec = new TextDecoder();

Deno.test({ name: "networks: --internal, --ip-range, -o bridge name and MTU, connect --ip/--alias; two /24s of one /8", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  try {
    assertEquals((await b(["network", "create", "--internal", "--subnet", "10.231.0.0/24", "--ip-range", "10.231.0.64/28", "-o", "com.docker.network.bridge.name=brtest0", "-o", "com.docker.network.driver.mtu=1400", "t-int"])).code, 0);
    // (a /24 next to another /24: once refused as overlapping, a host route's mask was read as its prefix's complement)
    assertEquals((await b(["network", "create", "--subnet", "10.232.0.0/24", "t-other"])).code, 0);
    const inspect = JSON.parse((await b(["network", "inspect", "-f", "{{json .}}", "t-int"])).stdout);
    assertEquals([inspect.Internal, inspect.IPAM.Config[0].IPRange, inspect.Options["com.docker.network.bridge.name"]], [true, "10.231.0.64/28", "brtest0"]);
    const inside = await b(["run", "--rm", "--network", "t-int", base, "sh", "-c", "ip -o -4 addr show eth0; cat /sys/class/net/eth0/mtu; ip route | grep -c default"]);
    assertMatch(inside.stdout, /inet 10\.231\.0\.(6[4-9]|7\d)\/24/);
    assertMatch(inside.stdout, /\n1400\n0\n$/); // the MTU asked for, and no way out
    assertEquals(Deno.readTextFileSync("/sys/class/net/brtest0/mtu").trim(), "1400");
    const bad = await b(["network", "create", "-o", "com.docker.network.bridge.host_binding_ipv4=1.2.3.4", "t-bad"]);
    assertEquals(bad.code, 125);
    assertMatch(bad.stderr, /network option com\.docker\.network\.bridge\.host_binding_ipv4 is not supported/);
    assertMatch((await b(["network", "create", "--ip-range", "10.9.0.0/24", "t-bad"])).stderr, /--ip-range needs --subnet/);
    assertMatch((await b(["network", "create", "--subnet", "10.233.0.0/24", "--ip-range", "10.9.0.0/28", "t-bad"])).stderr, /not within subnet/);

    // connect with an address and an alias: other containers there find it by the alias
    assertEquals((await b(["run", "-d", "--name", "t-srv", "--network", "t-int", base, "sleep", "60"])).code, 0);
    assertEquals((await b(["network", "connect", "--ip", "10.232.0.77", "--alias", "svc", "t-other", "t-srv"])).code, 0);
    assertEquals((await b(["exec", "t-srv", "sh", "-c", "ip -o -4 addr show eth1 | grep -o '10[.0-9/]*'"])).stdout, "10.232.0.77/24\n");
    assertEquals((await b(["run", "--rm", "--network", "t-other", base, "sh", "-c", "grep -w svc /etc/hosts | cut -f1"])).stdout, "10.232.0.77\n");
    assertEquals((await b(["inspect", "-f", '{{index (index .NetworkSettings.Networks "t-other").Aliases 0}}', "t-srv"])).stdout, "svc\n");
    assertMatch((await b(["network", "connect", "--ip", "10.99.0.1", "t-other", "t-srv"])).stderr, /already exists|not a free host address/);

    // enable_icc=false: containers of the network do not reach each other; enable_ip_masquerade=false: no NAT rule
    assertEquals((await b(["network", "create", "--subnet", "10.234.0.0/24", "-o", "com.docker.network.bridge.enable_icc=false", "-o", "com.docker.network.bridge.enable_ip_masquerade=false", "t-noicc"])).code, 0);
    assertEquals((await b(["run", "-d", "--name", "t-peer", "--network", "t-noicc", base, "sleep", "60"])).code, 0);
    const peerIp = (await b(["inspect", "-f", '{{(index .NetworkSettings.Networks "t-noicc").IPAddress}}', "t-peer"])).stdout.trim();
    assertEquals((await b(["run", "--rm", "--network", "t-noicc", base, "sh", "-c", `ping -c1 -W1 ${peerIp} >/dev/null && echo reached || echo blocked`])).stdout, "blocked\n");
    const nat = await new Deno.Command("iptables", { args: ["-t", "nat", "-S"], stdout: "piped" }).output();
    assert(!dec.decode(nat.stdout).includes("10.234.0.0/24"), "a MASQUERADE rule for a network without masquerading");
  } finally {
    await b(["rm", "-f", "t-srv", "t-peer"]);
    await b(["network", "rm", "t-int", "t-other", "t-noicc"]);
  }
} });

Deno.test({ name: "volume create -o: a tmpfs volume mounted at first use with its options, unmounted by rm; cp -a and -L", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  const dir = await Deno.makeTempDir({ prefix: "berth-test-cmds-" });
  try {
    assertEquals((await b(["volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=2m,uid=1000", "t-tmpvol"])).code, 0);
    assertEquals((await b(["volume", "inspect", "-f", "{{json .Options}}", "t-tmpvol"])).stdout, '{"type":"tmpfs","device":"tmpfs","o":"size=2m,uid=1000"}\n');
    const used = await b(["run", "--rm", "--network", "none", "-v", "t-tmpvol:/t", base, "sh", "-c", "stat -c %u /t; df -k /t | tail -1 | awk '{print $2}'; echo kept > /t/f"]);
    assertEquals(used.stdout, "1000\n2048\n");
    assertEquals((await b(["run", "--rm", "--network", "none", "-v", "t-tmpvol:/t", base, "cat", "/t/f"])).stdout, "kept\n");
    const mountpoint = (await b(["volume", "inspect", "-f", "{{.Mountpoint}}", "t-tmpvol"])).stdout.trim();
    assert(Deno.readTextFileSync("/proc/self/mountinfo").includes(` ${mountpoint} `), "mounted after use");
    assertEquals((await b(["volume", "rm", "t-tmpvol"])).code, 0);
    assert(!Deno.readTextFileSync("/proc/self/mountinfo").includes(` ${mountpoint} `), "unmounted by rm");
    assertMatch((await b(["volume", "create", "-o", "size=1m", "t-badvol"])).stderr, /invalid option key: "size"/);
    assertMatch((await b(["volume", "create", "-o", "type=tmpfs", "t-badvol"])).stderr, /missing required option: "device"/);

    // cp: owners only with -a; a symlink as a link, or its target with -L (resolved inside the container)
    assertEquals((await b(["run", "-d", "--name", "t-cp", "--network", "none", base, "sh", "-c", "mkdir /d; echo in-ctr > /d/f; chown 1234:55 /d/f; ln -s /d/f /link; sleep 60"])).code, 0);
    for (let i = 0; i < 50 && (await b(["exec", "t-cp", "test", "-L", "/link"])).code !== 0; i++) await sleep(100);
    assertEquals((await b(["cp", "t-cp:/d/f", `${dir}/plain`])).code, 0);
    assertEquals((await b(["cp", "-a", "t-cp:/d/f", `${dir}/arch`])).code, 0);
    assertEquals([Deno.statSync(`${dir}/plain`).uid, Deno.statSync(`${dir}/arch`).uid, Deno.statSync(`${dir}/arch`).gid], [0, 1234, 55]);
    assertEquals((await b(["cp", "t-cp:/link", `${dir}/asLink`])).code, 0);
    assertEquals(Deno.readLinkSync(`${dir}/asLink`), "/d/f");
    assertEquals((await b(["cp", "-L", "t-cp:/link", `${dir}/followed`])).code, 0);
    assertEquals(Deno.readTextFileSync(`${dir}/followed`), "in-ctr\n");
    Deno.writeTextFileSync(`${dir}/host`, "from-host\n");
    Deno.chownSync(`${dir}/host`, 4321, 77);
    Deno.symlinkSync(`${dir}/host`, `${dir}/hostlink`);
    assertEquals((await b(["cp", "-a", `${dir}/host`, "t-cp:/h-arch"])).code, 0);
    assertEquals((await b(["cp", `${dir}/host`, "t-cp:/h-plain"])).code, 0);
    assertEquals((await b(["cp", "-L", `${dir}/hostlink`, "t-cp:/h-followed"])).code, 0);
    assertEquals((await b(["exec", "t-cp", "sh", "-c", "stat -c '%u:%g' /h-arch /h-plain; cat /h-followed; test -L /h-followed || echo regular"])).stdout, "4321:77\n0:0\nfrom-host\nregular\n");
  } finally {
    await b(["rm", "-f", "t-cp"]);
    await b(["volume", "rm", "t-tmpvol"]);
    await Deno.remove(dir, { recursive: true });
  }
} });

Deno.test({ name: "pull -a and push -a: every tag of a repository; the container group's help", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  const reg = await startRegistry();
  const dir = await Deno.makeTempDir({ prefix: "berth-test-cmds-" });
  try {
    await fullBusybox(dir);
    const layer = await tarDir(dir, true);
    for (const tag of ["1", "2", "edge"]) await pushImage(reg.url, "multi", tag, buildImage({ layers: [layer], cmd: ["echo", tag] }));
    const pulled = await b(["pull", "-a", "-q", `${reg.host}/multi`]);
    assertEquals(pulled.code, 0, pulled.stderr);
    assertEquals(pulled.stdout.trim().split("\n").length, 3);
    assertEquals((await b(["images", "--format", "{{.Tag}}", `${reg.host}/multi`])).stdout.split("\n").filter(Boolean).sort(), ["1", "2", "edge"]);
    assertMatch((await b(["pull", "-a", `${reg.host}/multi:1`])).stderr, /tag can't be used with --all-tags\/-a/);
    // push -a: the local tags of a repository, all of them
    for (const t of ["a", "b"]) assertEquals((await b(["tag", base, `${reg.host}/pushed:${t}`])).code, 0);
    assertEquals((await b(["push", "-a", "-q", `${reg.host}/pushed`])).code, 0);
    const list = await fetch(`${reg.url}/v2/pushed/tags/list`).then((r) => r.json());
    assertEquals(list.tags.sort(), ["a", "b"]);
    assertEquals((await b(["push", "-a", `${reg.host}/never-tagged`])).code, 125);

    const help = (await b(["container", "--help"])).stdout;
    for (const verb of ["attach", "ls", "inspect", "prune", "rm", "run", "stats", "top", "update"]) assertMatch(help, new RegExp(`\\n  ${verb} +\\S`));
    assertMatch((await b(["container", "ls", "-a", "--format", "{{.Names}}"])).stderr, /^$/);
    assertMatch((await b(["container", "nope"])).stderr, /'container nope' is not a berth command/);
  } finally {
    await reg.stop();
    await Deno.remove(dir, { recursive: true });
  }
} });

Deno.test({ name: "attach: output from now, stdin kept open between attaches, Ctrl-P Ctrl-Q detaches; stats streams; top takes ps options", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  const attach = async (name: string, input: string[], extra: string[] = []) => {
    const p = new Deno.Command(BERTH, { args: ["--root", root, "attach", ...extra, name], stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
    const w = p.stdin.getWriter();
    for (const chunk of input) {
      await w.write(new TextEncoder().encode(chunk));
      await sleep(300);
    }
    await w.close().catch(() => {});
    const r = await p.output();
    return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
  };
  try {
    // `run -di cat`: cat waits for input (its stdin is held open), each attach adds to it
    assertEquals((await b(["run", "-di", "--name", "t-cat", "--network", "none", base, "cat"])).code, 0);
    await sleep(300);
    assertEquals(await attach("t-cat", ["one\n", "\x10\x11"]), { code: 0, stdout: "one\n", stderr: "" });
    assertEquals((await b(["inspect", "-f", "{{.State.Running}}", "t-cat"])).stdout, "true\n");
    // other keys, and a partial sequence passed on as typed
    assertEquals(await attach("t-cat", ["two\x10\n", "x"], ["--detach-keys", "x"]), { code: 0, stdout: "two\x10\n", stderr: "" });
    assertEquals((await b(["logs", "t-cat"])).stdout, "one\ntwo\x10\n");
    assertMatch((await attach("t-cat", [], ["--detach-keys", "ctrl-1"])).stderr, /invalid detach keys/);
    // signals go to the container (sig-proxy), and attach ends with its exit code
    assertEquals((await b(["run", "-d", "--name", "t-sig", "--network", "none", base, "sh", "-c", 'trap "echo got-int; exit 4" INT; while :; do sleep 0.1; done'])).code, 0);
    await sleep(300);
    const p = new Deno.Command(BERTH, { args: ["--root", root, "attach", "--no-stdin", "t-sig"], stdout: "piped", stderr: "piped" }).spawn();
    await sleep(700);
    p.kill("SIGINT");
    const r = await p.output();
    assertEquals([r.code, dec.decode(r.stdout)], [4, "got-int\n"]);
    assertMatch((await b(["attach", "t-sig"])).stderr, /You cannot attach to a stopped container, start it first/);

    // stats: a table each second until SIGINT (then exit 0); --no-stream once
    const s = new Deno.Command(BERTH, { args: ["--root", root, "stats", "--format", "{{.Name}} {{.PIDs}}", "t-cat"], stdout: "piped" }).spawn();
    await sleep(2300);
    s.kill("SIGINT");
    const so = await s.output();
    assertEquals(so.code, 0);
    const rounds = dec.decode(so.stdout).split("\n").filter(Boolean);
    assert(rounds.length >= 2 && rounds.every((l) => l === "t-cat 1"), dec.decode(so.stdout));
    assertMatch((await b(["stats", "--no-stream", "t-cat"])).stdout, /NET I\/O\s+BLOCK I\/O\s+PIDS\n[0-9a-f]{12}\s+t-cat\s/);

    // top: Docker's -ef by default, any ps options that keep a PID column
    assertMatch((await b(["top", "t-cat"])).stdout, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n\S+\s+\d+\s+\d+\s.*\scat\n$/);
    assertMatch((await b(["top", "t-cat", "-o", "pid,comm"])).stdout, /^\s*PID\s+COMMAND\n\s*\d+\s+cat\n$/);
    assertMatch((await b(["top", "t-cat", "-o", "comm"])).stderr, /Couldn't find PID field/);
  } finally {
    await b(["rm", "-f", "t-cat", "t-sig"]);
  }
} });
