/**
 * `berth run` end to end, as root, on images the tests build (tests/helpers/run_images.ts): the
 * process and its environment, namespaces, the filesystem, security defaults, volumes, cgroup limits,
 * a real pty, signals, exit codes, and cleanup after normal exits, errors and kill -9.
 */
import { assert, assertEquals, assertMatch, assertNotMatch } from "./helpers/assert.ts";
import { berth, BERTH } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { removeRunImages, runImages } from "./helpers/run_images.ts";

const v2 = (() => {
  try {
    Deno.statSync("/sys/fs/cgroup/cgroup.controllers");
    return true;
  } catch {
    return false;
  }
})();

/** `berth run --rm IMAGE sh -c SCRIPT` → stdout, stderr, code. */
async function sh(image: "base" | "user" | "entrypoint" | "volume", script: string, flags: string[] = []) {
  const imgs = await runImages();
  return await berth(imgs.root, ["run", "--rm", ...flags, imgs[image], "sh", "-c", script]);
}

function berthMounts(): string[] {
  return Deno.readTextFileSync("/proc/self/mountinfo").split("\n").filter((l) => l.includes("berth-test-root"));
}

function berthCgroups(): string[] {
  const dirs = v2 ? ["/sys/fs/cgroup/berth"] : ["memory", "pids", "cpu", "freezer", "devices"].map((c) => `/sys/fs/cgroup/${c}/berth`);
  return dirs.flatMap((d) => {
    try {
      return [...Deno.readDirSync(d)].filter((e) => e.isDirectory).map((e) => `${d}/${e.name}`);
    } catch {
      return [];
    }
  });
}

Deno.test("run: echo, exit codes like Docker's (own, 125, 126, 127), nothing left after --rm", PROC, async () => {
  const { root, base } = await runImages();
  const r = await berth(root, ["run", "--rm", base, "echo", "hello", "world"]);
  assertEquals([r.code, r.stdout], [0, "hello world\n"], r.stderr);
  assertEquals((await sh("base", "exit 3")).code, 3);
  const missing = await berth(root, ["run", "--rm", base, "no-such-cmd"]);
  assertEquals(missing.code, 127);
  assertMatch(missing.stderr, /^berth: exec: "no-such-cmd": executable file not found in \$PATH\n$/);
  const notExec = await berth(root, ["run", "--rm", base, "/usr/bin/not-exec"]);
  assertEquals(notExec.code, 126);
  assertMatch(notExec.stderr, /permission denied/);
  const badFlag = await berth(root, ["run", "--rm", "--memory", "lots", base, "true"]);
  assertEquals(badFlag.code, 125);
  assertMatch(badFlag.stderr, /^berth: invalid argument "lots" for "--memory" flag/);
  const noImage = await berth(root, ["run", "--rm", "--pull", "never", "nope:latest", "true"]);
  assertEquals(noImage.code, 125);
  assertMatch(noImage.stderr, /No such image: nope:latest/);
  assertEquals(berthMounts(), []);
  assertEquals(berthCgroups(), []);
  assertEquals([...Deno.readDirSync(`${root}/containers`)].map((e) => e.name).filter((n) => n !== "names"), []);
});

Deno.test("run: entrypoint and cmd, env, working dir and users as Docker resolves them", PROC, async () => {
  const { root, entrypoint, user, base } = await runImages();
  assertEquals((await berth(root, ["run", "--rm", entrypoint])).stdout, "ep default\n");
  assertEquals((await berth(root, ["run", "--rm", entrypoint, "a", "b"])).stdout, "ep a b\n");
  assertEquals((await berth(root, ["run", "--rm", "--entrypoint", "/bin/echo", entrypoint, "x"])).stdout, "x\n");
  const envFile = await Deno.makeTempFile({ prefix: "berth-test-env-" });
  try {
    await Deno.writeTextFile(envFile, "# comment\nFROM_FILE=1\nFOO=from-file\n");
    const r = await berth(root, ["run", "--rm", "--env-file", envFile, "-e", "FOO=from-flag", "-e", "BAR=2", user, "env"]);
    const env = r.stdout.trim().split("\n").sort();
    assertEquals(env, ["BAR=2", "FOO=from-flag", "FROM_FILE=1", `HOME=/home/app`, `HOSTNAME=${env.find((e) => e.startsWith("HOSTNAME="))!.slice(9)}`, "PATH=/bin"]);
  } finally {
    await Deno.remove(envFile);
  }
  const u = await berth(root, ["run", "--rm", user, "sh", "-c", "id; pwd"]);
  assertEquals(u.stdout, "uid=1000(app) gid=1000(app) groups=10(wheel),29(audio)\n/home/app\n");
  assertEquals((await berth(root, ["run", "--rm", "-u", "1000:29", base, "id"])).stdout, "uid=1000(app) gid=29(audio)\n");
  assertEquals((await berth(root, ["run", "--rm", "-u", "4321", base, "id", "-u"])).stdout, "4321\n");
  assertEquals((await berth(root, ["run", "--rm", "-w", "/made/for/me", base, "pwd"])).stdout, "/made/for/me\n");
  const ghost = await berth(root, ["run", "--rm", "-u", "ghost", base, "true"]);
  assertEquals(ghost.code, 125);
  assertMatch(ghost.stderr, /unable to find user ghost/);
});

Deno.test("run: namespaces — pid 1, hostname, only lo (up) with --network none, host modes", PROC, async () => {
  const r = await sh("base", "echo $$; hostname; cat /etc/hostname; ps -o pid | tail -n +2 | tr '\\n' ' '; echo; ip -o link", ["--network", "none"]);
  const [pid, host, etcHost, procs, ...links] = r.stdout.trim().split("\n");
  assertEquals(pid, "1");
  assertMatch(host, /^[0-9a-f]{12}$/);
  assertEquals(etcHost, host);
  const seen = procs.trim().split(/\s+/).map(Number);
  assert(seen.includes(1) && seen.length <= 4 && seen.every((p) => p < 20), `ps sees only the container's processes: ${procs}`);
  assertEquals(links.length, 1);
  assertMatch(links[0], /^1: lo: <LOOPBACK,UP,LOWER_UP>/);
  assertEquals((await sh("base", "hostname", ["--hostname", "box"])).stdout, "box\n");
  const hostNet = await sh("base", "ip -o link | wc -l", ["--network", "host"]);
  assert(Number(hostNet.stdout) > 1, "host network shows the host's links");
  const hostPid = await sh("base", "ps -o pid | wc -l", ["--pid", "host"]);
  assert(Number(hostPid.stdout) > 10, "host pid namespace shows the host's processes");
  assertNotMatch(Deno.hostname(), /^box$/);
});

Deno.test("run: the filesystem — /proc, read-only /sys, /dev, /dev/pts, shm, mqueue, cgroup, /etc files", PROC, async () => {
  const r = await sh("base", [
    "ls /dev | tr '\\n' ' '; echo",
    "mount | grep -E ' /(proc|sys|dev|dev/pts|dev/shm|dev/mqueue|sys/fs/cgroup) ' | cut -d' ' -f1,3,5 | sort",
    "touch /sys/x 2>&1",
    "echo 1 > /dev/null && head -c 4 /dev/zero | wc -c",
    "cat /etc/hosts | head -1",
  ].join("; "));
  assertEquals(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assertEquals(lines[0].trim().split(" ").sort(), [
    "core", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero",
  ]);
  assertEquals(lines.slice(1, 8).sort(), [
    "devpts /dev/pts devpts",
    "mqueue /dev/mqueue mqueue",
    "proc /proc proc",
    "shm /dev/shm tmpfs",
    "sysfs /sys sysfs",
    v2 ? "cgroup2 /sys/fs/cgroup cgroup2" : "tmpfs /sys/fs/cgroup tmpfs",
    "tmpfs /dev tmpfs",
  ].sort());
  assertEquals(lines.slice(8), ["touch: /sys/x: Read-only file system", "4", "127.0.0.1\tlocalhost"]);
});

Deno.test("run: security defaults — Docker's capabilities, cap-add/drop, privileged, no-new-privileges, masked and read-only paths", PROC, async () => {
  const caps = (flags: string[]) => sh("base", "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status | tr -d '\\t'", flags);
  assertEquals((await caps([])).stdout, "CapEff:00000000a80425fb\nCapBnd:00000000a80425fb\nNoNewPrivs:0\n");
  assertMatch((await caps(["--cap-add", "SYS_ADMIN", "--cap-drop", "CHOWN"])).stdout, /^CapEff:00000000a82425fa\n/);
  assertMatch((await caps(["--cap-drop", "ALL", "--security-opt", "no-new-privileges"])).stdout, /^CapEff:0000000000000000\nCapBnd:0000000000000000\nNoNewPrivs:1\n$/);
  assertMatch((await caps(["--privileged"])).stdout, /^CapEff:000001ffffffffff|^CapEff:000001fffeffffff/);
  const nonRoot = await sh("base", "grep CapEff /proc/self/status", ["-u", "1000"]);
  assertMatch(nonRoot.stdout, /CapEff:\s+0000000000000000/);
  const masked = await sh("base", "cat /proc/timer_list | wc -c; ls /sys/firmware | wc -l; echo x > /proc/sys/kernel/hostname; mount | grep -c ' /proc/irq .*(ro,'");
  assertEquals(masked.stdout, "0\n0\n1\n");
  assertMatch(masked.stderr, /can't create \/proc\/sys\/kernel\/hostname: Read-only file system/);
  // --privileged unmasks
  assert(Number((await sh("base", "ls /sys/firmware | wc -l", ["--privileged"])).stdout) > 0);
});

Deno.test("run: berth's own binary cannot be reached from a container, even one in the host's pid namespace", PROC, async () => {
  const r = await sh("base", [
    // the berth that runs it: `run` starts on the one file's run.js (berth.js for the other commands)
    "for p in $(ps -o pid,args | grep -E '[b]erth\\.js|/[r]un\\.js' | awk '{print $1}'); do",
    "  cat /proc/$p/exe > /dev/null 2>&1 && echo OPENED $p; echo x 2>/dev/null >> /proc/$p/exe && echo WROTE $p; found=1;",
    "done; echo found=$found; ls /proc/self/fd | wc -l",
  ].join("\n"), ["--pid", "host"]);
  assertEquals(r.stdout, "found=1\n4\n", "berth was visible but neither readable nor writable; only fds 0-2 (and ls's own) are open");
});

Deno.test("run: volumes — bind rw and ro, named volumes seeded from the image, anonymous ones removed with --rm, tmpfs, --read-only", PROC, async () => {
  const { root } = await runImages();
  const host = await Deno.makeTempDir({ prefix: "berth-test-bind-" });
  try {
    await Deno.writeTextFile(`${host}/in`, "from host\n");
    const rw = await sh("base", "cat /mnt/in; echo from container > /mnt/out", ["-v", `${host}:/mnt`]);
    assertEquals([rw.code, rw.stdout], [0, "from host\n"], rw.stderr);
    assertEquals(await Deno.readTextFile(`${host}/out`), "from container\n");
    const ro = await sh("base", "cat /mnt/in; echo x > /mnt/out2", ["-v", `${host}:/mnt:ro`]);
    assertEquals(ro.code, 1);
    assertMatch(ro.stderr, /Read-only file system/);
    const bad = await sh("base", "true", ["-v", "/no/such/dir:/x"]);
    assertEquals(bad.code, 125);
    assertMatch(bad.stderr, /bind source path does not exist: \/no\/such\/dir/);
  } finally {
    await Deno.remove(host, { recursive: true });
  }
  const seeded = await sh("base", "cat /seed/hello.txt /seed/sub/deep.txt; echo kept > /seed/new", ["-v", "berthtestvol:/seed"]);
  assertEquals(seeded.stdout, "seeded from the image\ndeep\n", seeded.stderr);
  assertEquals((await sh("base", "cat /data/new; ls /data | wc -l", ["--mount", "type=volume,source=berthtestvol,target=/data"])).stdout, "kept\n3\n");
  const owner = await sh("base", "stat -c %u /home/app", ["-v", "berthtestvol2:/home/app"]);
  assertEquals(owner.stdout, "1000\n", "seeding keeps the image's owner");
  const ls = await berth(root, ["volume", "ls", "-q"]);
  assertEquals(ls.stdout.split("\n").filter(Boolean).sort(), ["berthtestvol", "berthtestvol2"]);
  // the image's VOLUME /seed becomes an anonymous volume, gone with --rm
  const anon = await sh("volume", "mount | grep -c ' /seed '; cat /seed/hello.txt");
  assertEquals(anon.stdout, "1\nseeded from the image\n");
  assertEquals((await berth(root, ["volume", "ls", "-q"])).stdout.split("\n").filter(Boolean).length, 2);
  for (const v of ["berthtestvol", "berthtestvol2"]) assertEquals((await berth(root, ["volume", "rm", v])).code, 0);
  const tmpfs = await sh("base", "mount | grep ' /scratch '; echo x > /scratch/f && cat /scratch/f", ["--tmpfs", "/scratch:size=1m"]);
  assertMatch(tmpfs.stdout, /^tmpfs on \/scratch type tmpfs \(rw,nosuid,nodev,.*size=1024k.*\)\nx\n$/);
  const readOnly = await sh("base", "touch /x 2>&1; touch /t/x && echo tmp-ok", ["--read-only", "--tmpfs", "/t"]);
  assertEquals(readOnly.stdout, "touch: /x: Read-only file system\ntmp-ok\n");
});

Deno.test("run: each container has its own writable layer; the image never changes", PROC, async () => {
  const { root } = await runImages();
  const layersBefore = [...Deno.readDirSync(`${root}/layers/sha256`)].map((e) => e.name);
  const a = await sh("base", "echo mine > /etc/written && rm /bin/ls && cat /etc/written");
  assertEquals(a.stdout, "mine\n", a.stderr);
  const b = await sh("base", "test -e /etc/written || echo clean; test -e /bin/ls && echo ls-here");
  assertEquals(b.stdout, "clean\nls-here\n");
  for (const l of layersBefore) {
    assert(!Deno.readDirSync(`${root}/layers/sha256/${l}/etc`).some((e) => e.name === "written"));
  }
});

Deno.test("run: without overlayfs (BERTH_STORAGE=copy) the layers are copied into a private rootfs", PROC, async () => {
  const { root, base } = await runImages();
  const r = await berth(root, ["run", "--rm", base, "sh", "-c", "mount | grep ' / '; cat /seed/hello.txt; rm /bin/ls; echo ok"], {
    env: { BERTH_STORAGE: "copy" },
  });
  assertEquals(r.code, 0, r.stderr);
  assertNotMatch(r.stdout, /overlay/);
  assertMatch(r.stdout, /seeded from the image\nok\n$/);
  assertEquals((await sh("base", "test -e /bin/ls && echo intact")).stdout, "intact\n");
  assertEquals(berthMounts(), []);
});

Deno.test("run: cgroup limits — memory (OOM is 137), pids (fork fails), cpus and shares, seen from inside", PROC, async () => {
  const oom = await sh("base", "x=$(head -c 64m /dev/zero | tr '\\0' a); echo survived", ["--memory", "16m"]);
  assertEquals(oom.code, 137, oom.stdout + oom.stderr);
  const pids = await sh("base", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; echo forked", ["--pids-limit", "5"]);
  assertMatch(pids.stderr, /can't fork/);
  const files = v2
    ? "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight"
    : "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares";
  const seen = await sh("base", files, ["-m", "32m", "--pids-limit", "50", "--cpus", "0.5", "--cpu-shares", "512"]);
  assertEquals(seen.stdout, v2 ? "33554432\n50\n50000 100000\n20\n" : "33554432\n50\n50000\n512\n", seen.stderr);
  assertEquals(berthCgroups(), []);
});

Deno.test("run: -t gives a real terminal (/dev/pts/0, window size), -i passes stdin, exit code through", PROC, async () => {
  const { root, base } = await runImages();
  const cmd = `stty rows 33 cols 101; ${BERTH} --root ${root} run --rm -t ${base} sh -c 'tty; stty size; exit 6'`;
  const r = await new Deno.Command("script", { args: ["-qec", cmd, "/dev/null"], stdout: "piped", stderr: "piped" }).output();
  const out = new TextDecoder().decode(r.stdout).replaceAll("\r", "");
  assertEquals([r.code, out], [6, "/dev/pts/0\n33 101\n"]);
  const i = await berth(root, ["run", "--rm", "-i", base, "sh", "-c", "cat; exit 4"], { stdin: "through stdin\n" });
  assertEquals([i.code, i.stdout], [4, "through stdin\n"]);
  const noI = await berth(root, ["run", "--rm", base, "cat"], { stdin: "ignored\n" });
  assertEquals([noI.code, noI.stdout], [0, ""], "without -i the container's stdin is /dev/null");
});

Deno.test("run: signals to berth reach the container; a name in use is refused", PROC, async () => {
  const { root, base } = await runImages();
  const child = new Deno.Command(BERTH, {
    args: ["--root", root, "run", "--rm", "--name", "sigtest", base, "sh", "-c", "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assertEquals(first, "ready\n");
  const taken = await berth(root, ["run", "--rm", "--name", "sigtest", base, "true"]);
  assertEquals(taken.code, 125);
  assertMatch(taken.stderr, /Conflict\. The container name "\/sigtest" is already in use/);
  child.kill("SIGTERM");
  const rest = new TextDecoder().decode((await reader.read()).value);
  reader.releaseLock();
  const status = await child.status;
  await child.stderr.cancel();
  assertEquals([status.code, rest], [7, "got TERM\n"]);
  // the name is free again
  assertEquals((await berth(root, ["run", "--rm", "--name", "sigtest", base, "true"])).code, 0);
});

Deno.test("run: kill -9 of berth takes the container with it; the next berth command cleans up", PROC, async () => {
  const { root, base } = await runImages();
  const child = new Deno.Command(BERTH, { args: ["--root", root, "run", "--rm", base, "sleep", "60"], stdout: "null", stderr: "null" }).spawn();
  for (let i = 0; i < 100 && berthMounts().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  assertEquals(berthMounts().length, 1, "the container is running");
  // this container's own process (a global pgrep would also see other tests' containers)
  const [id] = [...Deno.readDirSync(`${root}/containers`)].map((e) => e.name).filter((n) => n !== "names");
  const pid = JSON.parse(Deno.readTextFileSync(`${root}/containers/${id}/container.json`)).state.pid as number;
  assertEquals(Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0")[0], "sleep");
  child.kill("SIGKILL");
  await child.status;
  let alive = true;
  for (let i = 0; i < 40 && alive; i++) {
    try {
      alive = !/^State:\s+Z/m.test(Deno.readTextFileSync(`/proc/${pid}/status`));
    } catch {
      alive = false;
    }
    if (alive) await new Promise((r) => setTimeout(r, 50));
  }
  assertEquals(alive, false, "the container died with berth");
  assertEquals((await berth(root, ["run", "--rm", base, "true"])).code, 0);
  assertEquals(berthMounts(), []);
  assertEquals(berthCgroups(), []);
  assertEquals([...Deno.readDirSync(`${root}/containers`)].map((e) => e.name).filter((n) => n !== "names"), []);
});

Deno.test("run: mod.ts run() returns the id, piped streams and the exit status", PROC, async () => {
  const { run } = await import("../mod.ts");
  const { root, base } = await runImages();
  const c = await run(base, {
    root,
    command: ["sh", "-c", "cat; echo err >&2; exit 9"],
    rm: true,
    interactive: true,
    stdio: { stdin: "piped", stdout: "piped", stderr: "piped" },
  });
  assertMatch(c.id, /^[0-9a-f]{64}$/);
  const w = c.stdin!.getWriter();
  await w.write(new TextEncoder().encode("via the API\n"));
  await w.close();
  const [out, err, st] = await Promise.all([new Response(c.stdout).text(), new Response(c.stderr).text(), c.status]);
  assertEquals([out, err, st], ["via the API\n", "err\n", { exitCode: 9, oomKilled: false }]);
});

Deno.test("run: cleanup of the shared test root", PROC, async () => {
  await removeRunImages();
  assertEquals(berthMounts(), []);
  assertEquals(berthCgroups(), []);
});
