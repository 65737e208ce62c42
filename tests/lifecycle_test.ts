/**
 * Detached containers and their lifecycle, end to end on real containers (images from
 * tests/helpers/run_images.ts): run -d, ps, logs, exec, stop/start/restart/kill/rm, wait, pause,
 * rename, prune, inspect, top, stats, cp, diff, export, restart policies, the supervisor surviving
 * (and not surviving) kill -9, and 20 containers leaving nothing behind.
 *
 * Every test removes its containers even when it fails; the last one checks that the supervisor
 * went away with them and that no mount or cgroup of theirs is left.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth, BERTH, type BerthResult } from "./helpers/berth.ts";
import { supervisorPids } from "./helpers/procs.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** berth in the shared root; fails the test with berth's stderr when the exit code is not `code`. */
async function b(args: string[], code = 0, stdin?: string): Promise<BerthResult> {
  const { root } = await runImages();
  const r = await berth(root, args, stdin === undefined ? {} : { stdin });
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stderr}`);
  return r;
}

/** `run -d` of the base image with `script` under sh; returns the full id. */
async function detached(script: string, flags: string[] = []): Promise<string> {
  const { base } = await runImages();
  const r = await b(["run", "-d", ...flags, base, "sh", "-c", script]);
  return r.stdout.trim();
}

// deno-lint-ignore no-explicit-any
async function inspect(ref: string): Promise<Record<string, any>> {
  return JSON.parse((await b(["inspect", ref])).stdout)[0];
}

/** Polls `cond` every 50 ms for up to `ms`. */
async function until(what: string, cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Removes every container of the shared root (the tests' own cleanup, run even when they fail). */
async function removeAll(): Promise<void> {
  const { root } = await runImages();
  const ids = (await berth(root, ["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
  if (ids.length) await berth(root, ["rm", "-f", "-v", ...ids]);
}

function withCleanup(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } finally {
      await removeAll();
    }
  };
}

function berthMounts(): string[] {
  return Deno.readTextFileSync("/proc/self/mountinfo").split("\n").filter((l) => l.includes("berth-test-root"));
}

Deno.test("lifecycle: run -d prints the id and returns; ps, logs, inspect, exec (-i, -t, -d, -u, -w, -e), top, stats see it", PROC, withCleanup(async () => {
  const t0 = Date.now();
  const id = await detached("echo started; echo oops >&2; exec sleep 60", ["--name", "web1", "-e", "GREETING=hi", "-h", "box"]);
  assertMatch(id, /^[0-9a-f]{64}$/);
  assert(Date.now() - t0 < 5000, "run -d returns at once");

  const ps = (await b(["ps"])).stdout.split("\n");
  assertMatch(ps[0], /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
  const row = ps.find((l) => l.startsWith(id.slice(0, 12)));
  assert(row, `ps lists ${id.slice(0, 12)}:\n${ps.join("\n")}`);
  assertMatch(row, /"sh -c echo started;…"\s+.*Up (Less than a second|\d+ seconds?)\s+web1$/);
  assertEquals((await b(["ps", "-q"])).stdout.trim(), id.slice(0, 12));
  const json = JSON.parse((await b(["ps", "--format", "json"])).stdout);
  assertEquals([json.ID, json.Names, json.State], [id.slice(0, 12), "web1", "running"]);

  await until("the log", async () => (await b(["logs", "web1"])).stdout === "started\n");
  const logs = await b(["logs", "web1"]);
  assertEquals([logs.stdout, logs.stderr], ["started\n", "oops\n"]);
  const stamped = (await b(["logs", "-t", "web1"])).stdout;
  assertMatch(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z started\n$/);

  const info = await inspect("web1");
  assertEquals(info.Id, id);
  assertEquals(info.Name, "/web1");
  assertEquals(info.State.Status, "running");
  assertEquals(info.State.Running, true);
  assert(info.State.Pid > 0, "State.Pid is the container's host pid");
  assertEquals(info.Path, "sh");
  assertEquals(info.Args, ["-c", "echo started; echo oops >&2; exec sleep 60"]);
  assertEquals(info.Config.Hostname, "box");
  assert(info.Config.Env.includes("GREETING=hi"), JSON.stringify(info.Config.Env));
  assertEquals(info.RestartCount, 0);
  for (const k of ["Created", "HostConfig", "Mounts", "NetworkSettings", "LogPath"]) assert(k in info, `inspect has ${k}`);

  // exec: the container's namespaces, env, root and cgroup; not pid 1
  const ex = await b(["exec", "web1", "sh", "-c", "hostname; echo $GREETING; echo $$; cat /proc/1/cmdline | tr '\\0' ' '; echo; ls /proc | grep -c '^[0-9]'"]);
  const [host, greet, pid, pid1, nprocs] = ex.stdout.trim().split("\n");
  assertEquals([host, greet], ["box", "hi"]);
  assert(Number(pid) > 1, `exec's process is not pid 1 (${pid})`);
  assertEquals(pid1.trim(), "sleep 60");
  assert(Number(nprocs) <= 4, `exec sees only the container's processes (${nprocs})`);
  const cg = (await b(["exec", "web1", "sh", "-c", "cat /proc/1/cgroup; echo ==; cat /proc/self/cgroup"])).stdout.split("==\n");
  assertEquals(cg[0].trim(), cg[1].trim(), "exec joins the container's cgroup");
  assertEquals((await b(["exec", "-u", "app", "-w", "/tmp", "-e", "X=1", "web1", "sh", "-c", "id -u; pwd; echo $X"])).stdout, "1000\n/tmp\n1\n");
  assertEquals((await b(["exec", "web1", "sh", "-c", "exit 7"], 7)).code, 7);
  assertEquals((await b(["exec", "-i", "web1", "cat"], 0, "through stdin\n")).stdout, "through stdin\n");
  const missing = await b(["exec", "web1", "no-such-cmd"], 127);
  assertMatch(missing.stderr, /executable file not found/);
  // -d: in the background; -t: a terminal of the container's own devpts, with berth's window size
  assertEquals((await b(["exec", "-d", "web1", "sh", "-c", "sleep 0.2; echo bg > /tmp/bg"])).stdout, "");
  await until("the background exec", async () => (await berth((await runImages()).root, ["exec", "web1", "cat", "/tmp/bg"])).stdout === "bg\n");
  const { root } = await runImages();
  const pty = await new Deno.Command("script", {
    args: ["-qec", `stty rows 21 cols 77; ${BERTH} --root ${root} exec -t web1 sh -c 'tty; stty size; exit 3'`, "/dev/null"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ptyOut = new TextDecoder().decode(pty.stdout).replaceAll("\r", "");
  assertEquals(pty.code, 3, ptyOut);
  assertMatch(ptyOut, /^\/dev\/pts\/\d+\n21 77\n$/);

  const top = (await b(["top", "web1"])).stdout;
  assertMatch(top, /^UID\s+PID\s+PPID/);
  assertMatch(top, /sleep 60/);
  const stats = (await b(["stats", "--no-stream", "web1"])).stdout.split("\n");
  assertMatch(stats[0], /CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %.*PIDS/);
  assertMatch(stats[1], new RegExp(`^${id.slice(0, 12)}\\s+web1\\s+\\d+\\.\\d+%\\s+\\S+ / \\S+\\s+\\d+\\.\\d+%.*\\s\\d+$`));
}));

Deno.test("lifecycle: stop runs the TERM trap (exit code kept), -t kills what ignores it; wait prints the code", PROC, withCleanup(async () => {
  const id = await detached("trap 'echo got TERM; exit 3' TERM; echo ready; while true; do sleep 0.1; done", ["--name", "graceful"]);
  await until("the trap to be set", async () => (await b(["logs", "graceful"])).stdout.includes("ready"));
  const waiter = berth((await runImages()).root, ["wait", "graceful"]);
  const t0 = Date.now();
  assertEquals((await b(["stop", "graceful"])).stdout.trim(), "graceful");
  assert(Date.now() - t0 < 5000, "a graceful stop does not wait for the timeout");
  const w = await waiter;
  assertEquals([w.code, w.stdout], [0, "3\n"], w.stderr);
  assertEquals((await b(["logs", "graceful"])).stdout, "ready\ngot TERM\n");
  const info = await inspect(id);
  assertEquals([info.State.Status, info.State.ExitCode, info.State.Running, info.State.Pid], ["exited", 3, false, 0]);
  assertMatch(info.State.FinishedAt, /^\d{4}-/);
  const row = (await b(["ps", "-a", "--filter", "name=graceful"])).stdout.split("\n")[1];
  assertMatch(row, /Exited \(3\) (Less than a second|\d+ seconds?) ago\s+graceful$/);
  assertEquals((await b(["ps", "-q"])).stdout, "", "ps without -a lists running containers only");
  assertEquals((await b(["ps", "-aq", "--filter", "status=exited"])).stdout.trim(), id.slice(0, 12));

  // a process that ignores TERM is killed after -t seconds
  // (pid 1 of a PID namespace gets only the signals it has handlers for, and SIGKILL)
  await detached("trap '' TERM; trap 'exit 5' USR1; while true; do sleep 0.1; done", ["--name", "stubborn"]);
  await sleep(300);
  const t1 = Date.now();
  await b(["stop", "-t", "1", "stubborn"]);
  const took = Date.now() - t1;
  assert(took >= 900 && took < 5000, `stop -t 1 took ${took} ms`);
  assertEquals((await inspect("stubborn")).State.ExitCode, 137);
  assertEquals((await b(["wait", "stubborn"])).stdout, "137\n");

  // start again: same id, same writable layer
  await b(["exec", "-d", "stubborn", "true"], 1); // not running (Docker: 1)
  await b(["start", "stubborn"]);
  assertEquals((await inspect("stubborn")).State.Status, "running");
  await b(["exec", "stubborn", "sh", "-c", "echo kept > /kept"]);
  await b(["restart", "-t", "0", "stubborn"]);
  assertEquals((await b(["exec", "stubborn", "cat", "/kept"])).stdout, "kept\n");
  await sleep(300);
  await b(["kill", "-s", "USR1", "stubborn"]);
  assertEquals((await b(["wait", "stubborn"])).stdout, "5\n");
}));

Deno.test("lifecycle: create + start -a, names are unique, rm refuses a running container, rename, pause, rm -v, prune", PROC, withCleanup(async () => {
  const { base } = await runImages();
  const id = (await b(["create", "--name", "two-step", base, "sh", "-c", "echo out; echo err >&2; exit 4"])).stdout.trim();
  assertMatch(id, /^[0-9a-f]{64}$/);
  assertEquals((await inspect("two-step")).State.Status, "created");
  assertMatch((await b(["ps", "-a"])).stdout, /Created\s+two-step/);
  const att = await b(["start", "-a", "two-step"], 4);
  assertEquals([att.stdout, att.stderr], ["out\n", "err\n"]);
  assertEquals((await inspect(id)).State.ExitCode, 4);

  // names: taken ones are refused (even by create), charset checked
  const dup = await b(["run", "-d", "--name", "two-step", base, "true"], 125);
  assertMatch(dup.stderr, /Conflict\. The container name "\/two-step" is already in use by container "[0-9a-f]{64}"/);
  assertMatch((await b(["create", "--name", "bad name!", base, "true"], 125)).stderr, /Invalid container name/);

  await detached("exec sleep 60", ["--name", "busy"]);
  const refused = await b(["rm", "busy"], 1); // Docker's CLI exits 1 for a refused request
  assertMatch(refused.stderr, /cannot remove container "\/busy": container is running/);
  await b(["rename", "busy", "renamed"]);
  assertEquals((await inspect("renamed")).Name, "/renamed");
  assertMatch((await b(["inspect", "busy"], 1)).stderr, /No such object: busy/);
  await b(["run", "-d", "--name", "busy", base, "sleep", "60"]); // the old name is free again

  await b(["pause", "renamed"]);
  assertEquals((await inspect("renamed")).State.Status, "paused");
  assertMatch((await b(["ps"])).stdout, /\(Paused\)\s+renamed/);
  const freezer = (await inspect("renamed")).State.Pid;
  const st = Deno.readTextFileSync(`/proc/${freezer}/status`);
  assertMatch(st, /^State:\s+[DS]/m);
  await b(["unpause", "renamed"]);
  assertEquals((await inspect("renamed")).State.Status, "running");
  assertEquals((await b(["exec", "renamed", "echo", "alive"])).stdout, "alive\n");

  // rm -f of a paused container still works
  await b(["pause", "renamed"]);
  await b(["rm", "-f", "renamed"]);
  assertMatch((await b(["inspect", "renamed"], 1)).stderr, /No such object/);

  // rm -v takes the container's anonymous volumes (an image VOLUME), not named ones
  const { volume } = await runImages();
  const vid = (await b(["run", "-d", "-v", "keepme:/data", volume, "sleep", "60"])).stdout.trim();
  const anon = ((await inspect(vid)).Mounts as Array<{ Name?: string; Destination: string }>).find((m) => m.Destination === "/seed")!.Name!;
  assertMatch((await b(["volume", "ls"])).stdout, new RegExp(anon));
  await b(["rm", "-f", "-v", vid]);
  const vols = (await b(["volume", "ls"])).stdout;
  assert(!vols.includes(anon) && vols.includes("keepme"), vols);
  await b(["volume", "rm", "keepme"]);

  const pruned = (await b(["container", "prune", "-f"])).stdout;
  assertMatch(pruned, new RegExp(id));
  const left = (await b(["ps", "-a", "--format", "json"])).stdout.trim().split("\n").map((l) => JSON.parse(l).Names);
  assertEquals(left, ["busy"]);
}));

Deno.test("lifecycle: logs --tail, --since, -f, and size-capped rotation", PROC, withCleanup(async () => {
  await detached("for i in 1 2 3 4 5; do echo line$i; done; sleep 60", ["--name", "chatty"]);
  await until("five lines", async () => (await b(["logs", "chatty"])).stdout.split("\n").length === 6);
  assertEquals((await b(["logs", "--tail", "2", "chatty"])).stdout, "line4\nline5\n");
  assertEquals((await b(["logs", "-n", "0", "chatty"])).stdout, "");
  assertEquals((await b(["logs", "--since", "1h", "chatty"])).stdout.split("\n").length, 6);
  assertEquals((await b(["logs", "--since", "2099-01-01T00:00:00Z", "chatty"])).stdout, "");

  // -f follows new output until the container exits
  await detached("echo first; sleep 0.5; echo second", ["--name", "follow"]);
  const f = await b(["logs", "-f", "follow"]);
  assertEquals(f.stdout, "first\nsecond\n");

  // json-file format on disk, with stream and time
  const logPath = (await inspect("chatty")).LogPath as string;
  const first = JSON.parse(Deno.readTextFileSync(logPath).split("\n")[0]);
  assertEquals([first.log, first.stream], ["line1\n", "stdout"]);
  assertMatch(first.time, /^\d{4}-\d\d-\d\dT/);

  // max-size: the log is rotated and stays capped
  await detached("i=0; while [ $i -lt 400 ]; do echo \"line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; i=$((i+1)); done; sleep 60", [
    "--name",
    "rotating",
    "--log-opt",
    "max-size=4k",
    "--log-opt",
    "max-file=2",
  ]);
  await until("the last line", async () => (await b(["logs", "--tail", "1", "rotating"])).stdout.includes("line 399"));
  const path = (await inspect("rotating")).LogPath as string;
  assert(Deno.statSync(path).size <= 4096, `log ${Deno.statSync(path).size} bytes`);
  assert(Deno.statSync(`${path}.1`).size <= 4096, "one rotated file");
  let third = true;
  try {
    Deno.statSync(`${path}.2`);
  } catch {
    third = false;
  }
  assert(!third, "max-file=2 keeps two files");
  const kept = (await b(["logs", "rotating"])).stdout.trim().split("\n");
  assertEquals(kept[kept.length - 1].slice(0, 8), "line 399");
  assert(kept.length < 400 && kept.length > 20, `${kept.length} lines kept`);
}));

Deno.test("lifecycle: restart policies count restarts with back-off; always survives a non-zero exit", PROC, withCleanup(async () => {
  await detached("echo try; exit 2", ["--name", "flaky", "--restart", "on-failure:2"]);
  let last = "";
  await until("two restarts", async () => {
    const i = await inspect("flaky");
    last = JSON.stringify([i.State, i.RestartCount]);
    return i.State.Status === "exited" && i.RestartCount === 2;
  }, 15_000).catch((err) => {
    throw new Error(`${err.message}; last state: ${last}`);
  });
  const i = await inspect("flaky");
  assertEquals([i.State.ExitCode, i.HostConfig.RestartPolicy], [2, { Name: "on-failure", MaximumRetryCount: 2 }]);
  assertEquals((await b(["logs", "flaky"])).stdout, "try\ntry\ntry\n");

  // on-failure does not restart a clean exit
  await detached("exit 0", ["--name", "clean", "--restart", "on-failure"]);
  await b(["wait", "clean"]);
  await sleep(300);
  assertEquals((await inspect("clean")).RestartCount, 0);

  // always: restarted after it exits, until stopped by hand
  await detached("sleep 0.2; exit 1", ["--name", "forever", "--restart", "always"]);
  await until("a restart", async () => (await inspect("forever")).RestartCount >= 1, 10_000);
  await b(["stop", "-t", "1", "forever"]);
  const n = (await inspect("forever")).RestartCount;
  await sleep(1500);
  const after = await inspect("forever");
  assertEquals([after.State.Status, after.RestartCount], ["exited", n]);
  assertMatch((await b(["run", "--rm", "--restart", "always", (await runImages()).base, "true"], 125)).stderr, /Conflicting options: --restart and --rm/);
}));

Deno.test("lifecycle: health checks — starting, unhealthy after the retries, healthy once the test passes; --no-healthcheck", PROC, withCleanup(async () => {
  await detached("exec sleep 60", ["--name", "checked", "--network", "none", "--health-cmd", "test -f /tmp/ok", "--health-interval", "200ms", "--health-retries", "2"]);
  assertMatch((await b(["ps", "--filter", "name=checked"])).stdout, /\(health: starting\)\s+checked/);
  await until("unhealthy", async () => (await inspect("checked")).State.Health?.Status === "unhealthy");
  assertEquals((await inspect("checked")).State.Health.FailingStreak >= 2, true);
  await b(["exec", "checked", "touch", "/tmp/ok"]);
  await until("healthy", async () => (await inspect("checked")).State.Health?.Status === "healthy");
  assertMatch((await b(["ps"])).stdout, /Up .* \(healthy\)\s+checked/);
  const h = await inspect("checked");
  assertEquals([h.State.Health.FailingStreak, h.Config.Healthcheck.Test], [0, ["CMD-SHELL", "test -f /tmp/ok"]]);
  assert(h.State.Health.Log.length >= 1 && h.State.Health.Log.length <= 5, "the last results are kept");
  await b(["stop", "-t", "0", "checked"]);
  assertEquals((await inspect("checked")).State.Health, undefined, "no health once it stopped");
  await detached("exec sleep 60", ["--name", "unchecked", "--network", "none", "--health-cmd", "true", "--no-healthcheck"]);
  assertEquals((await inspect("unchecked")).Config.Healthcheck, undefined);
  assertMatch((await b(["run", "-d", "--health-interval", "soon", (await runImages()).base, "true"], 125)).stderr, /--health-interval/);
}));

Deno.test("lifecycle: cp both ways (files, directories, tar on -), diff, export", PROC, withCleanup(async () => {
  await detached("mkdir -p /data/sub /srv; echo inside > /data/sub/f; rm /etc/group; exec sleep 60", ["--name", "files"]);
  await until("the files", async () => (await berth((await runImages()).root, ["exec", "files", "test", "-f", "/data/sub/f"])).code === 0);
  const host = await Deno.makeTempDir({ prefix: "berth-test-cp-" });
  try {
    await Deno.writeTextFile(`${host}/in.txt`, "from the host\n");
    await b(["cp", `${host}/in.txt`, "files:/tmp/copied.txt"]);
    assertEquals((await b(["exec", "files", "cat", "/tmp/copied.txt"])).stdout, "from the host\n");
    await Deno.mkdir(`${host}/dir/deep`, { recursive: true });
    await Deno.writeTextFile(`${host}/dir/deep/x`, "x\n");
    await b(["cp", `${host}/dir`, "files:/tmp"]);
    assertEquals((await b(["exec", "files", "cat", "/tmp/dir/deep/x"])).stdout, "x\n");

    await b(["cp", "files:/data/sub/f", `${host}/out.txt`]);
    assertEquals(await Deno.readTextFile(`${host}/out.txt`), "inside\n");
    await b(["cp", "files:/data", `${host}/data-copy`]);
    assertEquals(await Deno.readTextFile(`${host}/data-copy/sub/f`), "inside\n");

    // tar on stdout, read by GNU tar
    const { root } = await runImages();
    const tarOut = await new Deno.Command("sh", {
      args: ["-c", `"$0" --root "$1" cp files:/data - | tar -tf -`, BERTH, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(new TextDecoder().decode(tarOut.stdout).split("\n").filter(Boolean).sort(), ["data/", "data/sub/", "data/sub/f"]);
    // a tar on stdin, written by GNU tar
    const tarIn = await new Deno.Command("sh", {
      args: ["-c", `tar -C "$2/dir" -cf - deep | "$0" --root "$1" cp - files:/srv`, BERTH, root, host],
      stderr: "piped",
    }).output();
    assert(tarIn.success, new TextDecoder().decode(tarIn.stderr));
    assertEquals((await b(["exec", "files", "cat", "/srv/deep/x"])).stdout, "x\n");
    // as with Docker, a tar is extracted into a directory that exists
    assertMatch((await berth(root, ["cp", "-", "files:/nowhere"], { stdin: "" })).stderr, /extraction point is not a directory: \/nowhere/);
    assertMatch((await b(["cp", "files:/nope", `${host}/n`], 1)).stderr, /Could not find the file \/nope in container files|No such file/);
  } finally {
    await Deno.remove(host, { recursive: true });
  }

  const diff = (await b(["diff", "files"])).stdout.split("\n");
  for (const l of ["A /data", "A /data/sub", "A /data/sub/f", "D /etc/group", "C /tmp", "A /tmp/copied.txt"]) {
    assert(diff.includes(l), `diff has "${l}":\n${diff.join("\n")}`);
  }

  const exp = await new Deno.Command("sh", {
    args: ["-c", `"$0" --root "$1" export files | tar -tf - | sort`, BERTH, (await runImages()).root],
    stdout: "piped",
  }).output();
  const names = new TextDecoder().decode(exp.stdout).split("\n");
  assert(names.includes("data/sub/f") && names.includes("bin/busybox"), "export has the image and the container's files");
  assert(!names.includes("etc/group"), "export leaves out what the container deleted");
}));

Deno.test("lifecycle: kill -9 of the supervisor — ps tells the truth, rm -f cleans everything, the next one restarts always/unless-stopped", PROC, withCleanup(async () => {
  const { root } = await runImages();
  const id = await detached("exec sleep 60", ["--name", "orphan"]);
  const [sup] = supervisorPids(root);
  assert(sup, "a supervisor runs for the root");
  const pid = (await inspect("orphan")).State.Pid;
  Deno.kill(sup, "SIGKILL");
  await until("the container to die with its supervisor", () => {
    try {
      return Promise.resolve(Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1][0] === "Z");
    } catch {
      return Promise.resolve(true);
    }
  });
  const row = (await b(["ps", "-a"])).stdout.split("\n").find((l) => l.startsWith(id.slice(0, 12)));
  assertMatch(row ?? "", /Exited \(137\)/);
  const info = await inspect("orphan");
  assertEquals([info.State.Status, info.State.Running, info.State.ExitCode], ["exited", false, 137]);
  assert(!berthMounts().some((m) => m.includes(id)), "its rootfs was unmounted");
  // a new supervisor takes over for new containers, and starts again what Docker's daemon would
  await detached("exec sleep 60", ["--name", "next"]);
  assertEquals((await b(["exec", "next", "echo", "ok"])).stdout, "ok\n");
  await b(["rm", "-f", "orphan", "next"]);
  assertEquals((await b(["ps", "-aq"])).stdout, "");
  assertEquals(berthMounts(), []);

  await detached("exec sleep 60", ["--name", "always", "--restart", "always"]);
  await detached("exec sleep 60", ["--name", "unless", "--restart", "unless-stopped"]);
  await detached("exec sleep 60", ["--name", "stopped", "--restart", "unless-stopped"]);
  await b(["stop", "-t", "0", "stopped"]);
  for (const p of supervisorPids(root)) Deno.kill(p, "SIGKILL");
  await until("the supervisor's containers to die", async () => (await b(["ps", "-q"])).stdout === "");
  await detached("exec sleep 60", ["--name", "trigger"]); // starts the next supervisor
  await until("always and unless-stopped to run again", async () => {
    const ps = (await b(["ps", "--format", "json"])).stdout.trim().split("\n").map((l) => JSON.parse(l).Names).sort();
    return ps.join(",") === "always,trigger,unless";
  });
  assertEquals((await inspect("stopped")).State.Status, "exited");
  await b(["rm", "-f", "always", "unless", "stopped", "trigger"]);
  assertEquals((await b(["ps", "-aq"])).stdout, "");
  assertEquals(berthMounts(), []);
}));

Deno.test("lifecycle: mod.ts — create, start, exec, logs, inspect, list, stop, wait, kill, remove", PROC, withCleanup(async () => {
  const { root, base } = await runImages();
  // in a Deno process of its own, as a user's script would be (berth's FFI state is per process)
  const script = `
    const m = await import(${JSON.stringify(new URL("../mod.ts", import.meta.url).href)});
    const root = ${JSON.stringify(root)};
    const spec = await m.createContainer(${JSON.stringify(base)}, { root, name: "api", command: ["sh", "-c", "echo hello; exec sleep 60"] });
    await m.startDetached(root, spec.id);
    const ex = await m.execInContainer("api", { root, command: ["echo", "from exec"], stdio: { stdin: "null", stdout: "piped", stderr: "inherit" } });
    const exOut = await new Response(ex.stdout).text();
    const exCode = (await ex.status).exitCode;
    let logs = [];
    for (let i = 0; i < 100 && !logs.length; i++) {
      logs = m.containerLogs(root, "api");
      if (!logs.length) await new Promise((r) => setTimeout(r, 50));
    }
    const running = m.inspectContainer(root, await m.getContainer(root, "api")).State.Status;
    const listed = m.listContainers(root).map((r) => r.spec.name);
    await m.stopContainer(root, "api", 1);
    const code = await m.waitContainer(root, "api");
    await m.startDetached(root, spec.id);
    await m.killContainer(root, "api", "SIGKILL");
    const killed = await m.waitContainer(root, "api");
    await m.removeContainer(root, "api", {});
    console.log(JSON.stringify({ id: spec.id, exOut, exCode, logs: logs.map((e) => e.stream + ":" + e.log), running, listed, code, killed, after: m.listContainers(root).length }));
    Deno.exit(0);
  `;
  const r = await new Deno.Command(Deno.execPath(), { args: ["eval", "--no-config", script], stdout: "piped", stderr: "piped" }).output();
  assert(r.success, new TextDecoder().decode(r.stderr));
  const res = JSON.parse(new TextDecoder().decode(r.stdout));
  assertMatch(res.id, /^[0-9a-f]{64}$/);
  assertEquals(
    [res.exOut, res.exCode, res.logs, res.running, res.listed, res.code, res.killed, res.after],
    ["from exec\n", 0, ["stdout:hello\n"], "running", ["api"], 137, 137, 0],
  );
}));

Deno.test("lifecycle: 20 detached containers start and go without leaks; the supervisor leaves with them", PROC, withCleanup(async () => {
  const { root, base } = await runImages();
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((await b(["run", "-d", "--name", `many${i}`, base, "sleep", "60"])).stdout.trim());
  const running = (await b(["ps", "-q"])).stdout.trim().split("\n");
  assertEquals(running.length, 20);
  assertEquals(supervisorPids(root).length, 1, "one supervisor for all of them");
  assertEquals(berthMounts().length >= 20, true);
  await b(["rm", "-f", ...ids]);
  assertEquals((await b(["ps", "-aq"])).stdout, "");
  assertEquals(berthMounts(), []);
  await until("the supervisor to exit when idle", () => Promise.resolve(supervisorPids(root).length === 0), 10_000);
  const left = [...Deno.readDirSync(`${root}/containers`)].map((e) => e.name).filter((n) => n !== "names");
  assertEquals(left, []);
}));
