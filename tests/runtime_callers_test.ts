/**
 * Issue 14 (in part): berth's OCI runtime under a real caller — Debian's containerd 1.6 with its runc shim,
 * told by `ctr run --runc-binary` to call berth-runc (a link to dist/berth): run with output and exit codes,
 * `-d`, `task exec`, pause/resume, kill, delete, and `-t` (the terminal through the shim's console socket);
 * podman 4.3 through conmon (`--runtime`): run, exit codes, `-d`, exec, stop, rm, `-it`, `--uidmap`; and dockerd 20.10 with
 * berth-runc in its "runtimes" (`docker run --runtime berth`, its libnetwork prestart hook called by argv[0]).
 * dockerd runs here because issue 14 names it as a caller to test (issue 13 keeps it to the bench).
 */
import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { busyboxArchive, type Containerd, removeCgroupParents, startContainerd, unmountUnder } from "./helpers/containerd.ts";

const CONTAINERD = ["/usr/bin/containerd", "/usr/bin/ctr"].every((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/**
 * Runs a command; its output. `terminal`: stdin is a pipe kept open until the command ends, as a user's
 * terminal would be. (`script` turns an EOF on its stdin into an EOF on the caller's terminal; `podman run -it`
 * then closes the container's stdin, and conmon closes the pty with it — the output of a container whose
 * runtime `start` takes longer than that round trip is lost; runc with a 120 ms `start` loses it as well.)
 */
async function sh(cmd: string, args: string[], opts: { code?: number; env?: Record<string, string>; terminal?: boolean } = {}): Promise<string> {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", stdin: opts.terminal ? "piped" : "null", env: opts.env }).spawn();
  const r = await child.output();
  if (opts.terminal) await child.stdin.close().catch(() => {});
  const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assertEquals(r.code, opts.code ?? 0, `${cmd} ${args.join(" ")}: ${out}`);
  return new TextDecoder().decode(r.stdout);
}

Deno.test({ name: "runtime callers: containerd's ctr runs, execs, pauses, kills and deletes through berth-runc", ...PROC, ignore: !CONTAINERD, fn: async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-ctrd-" });
  let containerd: Containerd | undefined;
  try {
    // an image with berth: busybox from scratch, saved as a docker archive, imported into containerd
    const archive = await busyboxArchive(dir);
    containerd = await startContainerd(dir, "berth-test");
    const { ctr, sock, ns } = containerd;
    await ctr(["images", "import", archive]);
    const runc = `${dir}/berth-runc`;
    Deno.symlinkSync(BERTH, runc);
    const img = "docker.io/library/bb:1";

    assertEquals(await ctr(["run", "--rm", "--runc-binary", runc, img, "t1", "sh", "-c", "echo hello from ctr; exit 4"], 4), "hello from ctr\n");
    await ctr(["run", "-d", "--runc-binary", runc, img, "t2", "sleep", "100"]);
    assertMatch(await ctr(["task", "ls"]), /t2\s+\d+\s+RUNNING/);
    assertEquals(await ctr(["task", "exec", "--exec-id", "e1", "t2", "sh", "-c", "echo exec-out; exit 6"], 6), "exec-out\n");
    await ctr(["task", "pause", "t2"]);
    assertMatch(await ctr(["task", "ls"]), /t2\s+\d+\s+PAUSED/);
    await ctr(["task", "resume", "t2"]);
    assertMatch(await ctr(["task", "ls"]), /t2\s+\d+\s+RUNNING/);
    await ctr(["task", "kill", "-s", "SIGKILL", "t2"]);
    for (let i = 0; i < 50 && !/t2\s+\d+\s+STOPPED/.test(await ctr(["task", "ls"])); i++) await new Promise((r) => setTimeout(r, 100));
    assertMatch(await ctr(["task", "ls"]), /t2\s+\d+\s+STOPPED/);
    await ctr(["task", "delete", "t2"]);
    await ctr(["container", "delete", "t2"]);
    // -t: the shim's console socket gets the terminal
    const t = await sh("script", ["-qec", `/usr/bin/ctr -a ${sock} -n ${ns} run -t --rm --runc-binary ${runc} ${img} t3 sh -c 'tty; echo tty-ok'`, "/dev/null"], { terminal: true });
    assertMatch(t, /\/dev\/(console|pts\/\d+)\s+tty-ok/);
    assertEquals((await ctr(["task", "ls", "-q"])).trim(), "");
  } finally {
    await containerd?.stop();
    await Deno.remove(dir, { recursive: true });
  }
} });

const PODMAN = (() => {
  try {
    return Deno.statSync("/usr/bin/podman").isFile && Deno.statSync("/usr/bin/conmon").isFile;
  } catch {
    return false;
  }
})();

Deno.test({ name: "runtime callers: podman (through conmon) runs, execs, stops and removes with --runtime berth-runc, -it and --uidmap too", ...PROC, ignore: !PODMAN, fn: async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-podman-" });
  // podman's own storage in the test dir; cgroupfs, file events; ulimits within this host's hard limits
  const podman = (args: string[], code = 0) =>
    sh("/usr/bin/podman", ["--root", `${dir}/root`, "--runroot", `${dir}/run`, "--runtime", `${dir}/berth-runc`, "--cgroup-manager", "cgroupfs", "--events-backend", "file", ...args], { code });
  const U = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768", "--network", "none"];
  try {
    await busyboxArchive(dir);
    Deno.symlinkSync(BERTH, `${dir}/berth-runc`);
    await podman(["load", "-i", `${dir}/bb.tar`]);
    assertEquals(await podman(["run", "--rm", ...U, "localhost/bb:1", "sh", "-c", "echo hello from podman; exit 3"], 3), "hello from podman\n");
    await podman(["run", "-d", "--name", "pd", ...U, "localhost/bb:1", "sh", "-c", "trap 'exit 0' TERM; sleep 100 & wait"]);
    assertEquals(await podman(["exec", "pd", "sh", "-c", "echo exec-ok; exit 2"], 2), "exec-ok\n");
    assertMatch(await podman(["ps", "--format", "{{.Names}} {{.Status}}"]), /^pd Up/m);
    await podman(["stop", "-t", "5", "pd"]);
    assertMatch(await podman(["ps", "-a", "--format", "{{.Names}} {{.Status}}"]), /^pd Exited \(0\)/m);
    await podman(["rm", "pd"]);
    const it = await sh("script", ["-qec", `/usr/bin/podman --root ${dir}/root --runroot ${dir}/run --runtime ${dir}/berth-runc --cgroup-manager cgroupfs --events-backend file run -it --rm ${U.join(" ")} localhost/bb:1 sh -c 'tty; echo it-ok'`, "/dev/null"], { terminal: true });
    assertMatch(it, /\/dev\/(console|pts\/\d+)\s+it-ok/);
    // a user namespace: podman maps the image's files, berth-runc makes the namespace and writes the maps
    const mapped = await podman(["run", "--rm", "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", ...U, "localhost/bb:1", "sh", "-c", "id -u; cat /proc/self/uid_map"]);
    assertMatch(mapped, /^0\n\s*0\s+100000\s+65536\n$/);
    assertEquals((await podman(["ps", "-aq"])).trim(), "");
  } finally {
    await new Deno.Command("/usr/bin/podman", { args: ["--root", `${dir}/root`, "--runroot", `${dir}/run`, "--runtime", `${dir}/berth-runc`, "--cgroup-manager", "cgroupfs", "rm", "-af"], stdout: "null", stderr: "null" }).output();
    await unmountUnder(dir);
    // podman's cgroups of its own with the cgroupfs manager: conmon's, and the parent of its containers'
    removeCgroupParents("libpod_parent/conmon");
    removeCgroupParents("libpod_parent");
    await Deno.remove(dir, { recursive: true });
  }
} });

const DOCKERD = (() => {
  try {
    return Deno.statSync("/usr/sbin/dockerd").isFile && Deno.statSync("/usr/bin/docker").isFile;
  } catch {
    return false;
  }
})();

Deno.test({ name: "runtime callers: dockerd 20.10 with berth-runc in its \"runtimes\" — docker run --runtime berth, exec, stop, -it (its prestart hook included)", ...PROC, ignore: !DOCKERD, fn: async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-dockerd-" });
  const sock = `${dir}/docker.sock`;
  const docker = (args: string[], code = 0) => sh("/usr/bin/docker", ["-H", `unix://${sock}`, ...args], { code });
  let daemon: Deno.ChildProcess | undefined;
  try {
    await busyboxArchive(dir);
    Deno.symlinkSync(BERTH, `${dir}/berth-runc`);
    Deno.writeTextFileSync(`${dir}/daemon.json`, JSON.stringify({ runtimes: { berth: { path: `${dir}/berth-runc` } } }));
    daemon = new Deno.Command("/usr/sbin/dockerd", {
      args: [
        "--config-file", `${dir}/daemon.json`, "--data-root", `${dir}/docker`, "--exec-root", `${dir}/run`, "-H", `unix://${sock}`,
        "--pidfile", `${dir}/docker.pid`, "--iptables=false", "--bridge=none", "--ip-forward=false",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    for (let i = 0; i < 100; i++) {
      if ((await new Deno.Command("/usr/bin/docker", { args: ["-H", `unix://${sock}`, "info"], stdout: "null", stderr: "null" }).output()).success) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await docker(["load", "-i", `${dir}/bb.tar`]);
    const R = ["--runtime", "berth", "--network", "none"];
    assertEquals(await docker(["run", "--rm", ...R, "bb:1", "sh", "-c", "echo hello from dockerd; exit 5"], 5), "hello from dockerd\n");
    await docker(["run", "-d", "--name", "dd", ...R, "bb:1", "sh", "-c", "trap 'exit 0' TERM; sleep 100 & wait"]);
    assertEquals(await docker(["exec", "dd", "sh", "-c", "echo exec-ok; exit 3"], 3), "exec-ok\n");
    await docker(["stop", "dd"]);
    assertMatch(await docker(["ps", "-a", "--format", "{{.Names}} {{.Status}}"]), /^dd Exited \(0\)/m);
    await docker(["rm", "dd"]);
    const it = await sh("script", ["-qec", `/usr/bin/docker -H unix://${sock} run -it --rm ${R.join(" ")} bb:1 sh -c 'tty; echo run-it-ok'`, "/dev/null"], { terminal: true });
    assertMatch(it, /\/dev\/(console|pts\/\d+)\s+run-it-ok/);
  } finally {
    await new Deno.Command("/usr/bin/docker", { args: ["-H", `unix://${sock}`, "rm", "-f", "dd"], stdout: "null", stderr: "null" }).output().catch(() => {});
    daemon?.kill("SIGTERM");
    await daemon?.status;
    // dockerd leaves exec-root/netns/default and its containerd's mounts behind
    await unmountUnder(dir);
    await Deno.remove(dir, { recursive: true });
  }
} });
