/**
 * Issue 14 (in part): berth's OCI runtime driven through runc's command line on bundles — run with
 * output and exit codes; the create/start/state/kill/delete life with a pid file; a created container
 * deleted without --force; ps, pause, resume; hooks with the state on stdin; the terminal through
 * --console-socket; bad bundles refused with clear errors and nothing left behind.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { makeBundle, runtime } from "./helpers/bundle.ts";

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "berth-test-runc-" });
  try {
    await fn(root);
    // nothing left: no state, no cgroup
    assertEquals([...Deno.readDirSync(root)].map((e) => e.name), []);
  } finally {
    for (const id of (await runtime(root, ["list", "-q"])).stdout.split("\n").filter(Boolean)) await runtime(root, ["delete", "-f", id]);
    await Deno.remove(root, { recursive: true });
  }
}

const leftCgroups = () =>
  ["/sys/fs/cgroup/berth-runc", "/sys/fs/cgroup/memory/berth-runc", "/sys/fs/cgroup/pids/berth-runc"].flatMap((d) => {
    try {
      return [...Deno.readDirSync(d)].filter((e) => e.isDirectory).map((e) => `${d}/${e.name}`);
    } catch {
      return [];
    }
  });

Deno.test({ name: "runtime: run prints the process's output and exits with its code, in its own namespaces; --preserve-fds", ...PROC, fn: async () => {
  const b = await makeBundle((c) => {
    c.process!.args = ["sh", "-c", "echo out; echo err >&2; hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; exit 7"];
    c.hostname = "bundled";
  });
  try {
    await withRoot(async (root) => {
      const r = await runtime(root, ["run", "--bundle", b.dir, "r1"]);
      assertEquals(r.code, 7, r.stderr);
      assertEquals(r.stdout, "out\nbundled\nsh -c echo out; echo err >&2; hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; exit 7 \n");
      assertEquals(r.stderr, "err\n");
      // --preserve-fds 2: the caller's fds 3 and 4 reach the process; 5 does not
      Deno.writeTextFileSync(`${b.dir}/three`, "fd three\n");
      b.config.process!.args = ["sh", "-c", "cat <&3; echo four >&4; ls /proc/self/fd/5 2>/dev/null || echo no-five"];
      b.save();
      const p = await new Deno.Command("sh", {
        args: ["-c", `exec 3<"${b.dir}/three" 4>"${b.dir}/four" 5</dev/null; exec "$@"`, "sh", BERTH, "runtime", "--root", root, "run", "--preserve-fds", "2", "--bundle", b.dir, "r2"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(p.code, 0, new TextDecoder().decode(p.stderr));
      assertEquals(new TextDecoder().decode(p.stdout), "fd three\nno-five\n");
      assertEquals(Deno.readTextFileSync(`${b.dir}/four`), "four\n");
    });
    assertEquals(leftCgroups(), []);
  } finally {
    await b.remove();
  }
} });

Deno.test({ name: "runtime: create, state, start, ps, exec, update, pause, resume, kill, delete; a created container deleted without --force", ...PROC, fn: async () => {
  const b = await makeBundle((c) => (c.process!.args = ["sleep", "100"]));
  try {
    await withRoot(async (root) => {
      const pidFile = `${b.dir}/pid`;
      const created = await runtime(root, ["create", "--bundle", b.dir, "--pid-file", pidFile, "c1"]);
      assertEquals(created.code, 0, created.stderr);
      const pid = Deno.readTextFileSync(pidFile);
      assertMatch(pid, /^\d+$/); // no newline
      const state = JSON.parse((await runtime(root, ["state", "c1"])).stdout);
      assertEquals([state.status, String(state.pid), state.id, state.bundle], ["created", pid, "c1", b.dir]);
      // the process waits, as the stub, until start: no berth process stays in between
      assert(Deno.readLinkSync(`/proc/${pid}/exe`).startsWith("/memfd:berth-init"));
      assertEquals((await runtime(root, ["start", "c1"])).code, 0);
      assertEquals(JSON.parse((await runtime(root, ["state", "c1"])).stdout).status, "running");
      assertMatch((await runtime(root, ["start", "c1"])).stderr, /cannot start an already running container/);
      assertEquals(JSON.parse((await runtime(root, ["ps", "--format", "json", "c1"])).stdout), [Number(pid)]);

      assertMatch((await runtime(root, ["ps", "c1"])).stdout, /PID[\s\S]*sleep 100/);
      // exec: in the container's namespaces, exit code kept; --process FILE; detached with a pid file
      const ex = await runtime(root, ["exec", "c1", "sh", "-c", "echo in-exec; cat /proc/1/cmdline; exit 5"]);
      assertEquals([ex.code, ex.stdout], [5, "in-exec\nsleep\x00100\x00"]);
      Deno.writeTextFileSync(`${b.dir}/proc.json`, JSON.stringify({ user: { uid: 1000, gid: 1000 }, args: ["id"], cwd: "/tmp", env: ["PATH=/bin"] }));
      assertEquals((await runtime(root, ["exec", "--process", `${b.dir}/proc.json`, "c1"])).stdout, "uid=1000(app) gid=1000(app)\n");
      assertEquals((await runtime(root, ["exec", "-d", "--pid-file", `${b.dir}/epid`, "c1", "sleep", "30"])).code, 0);
      assertEquals(Deno.readTextFileSync(`/proc/${Deno.readTextFileSync(`${b.dir}/epid`)}/cmdline`), "sleep\x0030\x00");
      // update: new limits in the running container's cgroup
      assertEquals((await runtime(root, ["update", "--resources", "-", "c1"], { stdin: '{"pids": {"limit": 33}}' })).code, 0);
      assertEquals((await runtime(root, ["exec", "c1", "sh", "-c", "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max"])).stdout, "33\n");
      assertEquals((await runtime(root, ["pause", "c1"])).code, 0);
      assertEquals(JSON.parse((await runtime(root, ["state", "c1"])).stdout).status, "paused");
      assertEquals((await runtime(root, ["resume", "c1"])).code, 0);
      const del = await runtime(root, ["delete", "c1"]);
      assertEquals(del.code, 1);
      assertMatch(del.stderr, /cannot delete container c1 that is not stopped: running/);
      assertMatch((await runtime(root, ["list"])).stdout, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\nc1\s+\d+\s+running/);
      assertEquals((await runtime(root, ["kill", "c1", "9"])).code, 0);
      for (let i = 0; i < 50 && JSON.parse((await runtime(root, ["state", "c1"])).stdout).status !== "stopped"; i++) await new Promise((r) => setTimeout(r, 50));
      assertEquals(JSON.parse((await runtime(root, ["state", "c1"])).stdout).status, "stopped");
      assertMatch((await runtime(root, ["kill", "c1"])).stderr, /container not running/);
      assertEquals((await runtime(root, ["delete", "c1"])).code, 0);
      const gone = await runtime(root, ["state", "c1"]);
      assertEquals([gone.code, gone.stderr.trim()], [1, "container does not exist"]);

      // created, never started: delete without --force removes it (containerd relies on that)
      assertEquals((await runtime(root, ["create", "--bundle", b.dir, "c2"])).code, 0);
      const p2 = JSON.parse((await runtime(root, ["state", "c2"])).stdout).pid;
      assertEquals((await runtime(root, ["delete", "c2"])).code, 0);
      let alive = true;
      try {
        alive = !/^State:\s+Z/m.test(Deno.readTextFileSync(`/proc/${p2}/status`));
      } catch {
        alive = false;
      }
      assertEquals(alive, false, "the created container's process is gone");
      assertMatch((await runtime(root, ["create", "--bundle", b.dir, "c1"])).stderr, /^$/);
      assertMatch((await runtime(root, ["create", "--bundle", b.dir, "c1"])).stderr, /container with id exists: c1/);
      assertEquals((await runtime(root, ["delete", "--force", "c1"])).code, 0);
    });
    assertEquals(leftCgroups(), []);
  } finally {
    await b.remove();
  }
} });

Deno.test({ name: "runtime: hooks get the state on stdin, each where the spec runs it (createContainer before pivot_root and startContainer before the program, both in the container's namespaces); poststop runs at delete", ...PROC, fn: async () => {
  const out = await Deno.makeTempDir({ prefix: "berth-test-hooks-" });
  const b = await makeBundle((c) => {
    c.hostname = "hooked";
    c.mounts!.push({ destination: "/out", type: "bind", source: out, options: ["rbind"] });
    // the program: its mount namespace, and whether startContainer ran before it
    c.process!.args = ["sh", "-c", "readlink /proc/self/ns/mnt > /out/ctr-mnt; test -e /out/startContainer && echo after > /out/order"];
  });
  const hook = (name: string) => ({ path: "/bin/sh", args: ["sh", "-c", `cat > ${out}/${name}`] });
  b.config.hooks = {
    prestart: [hook("prestart")],
    createRuntime: [{ path: "/bin/sh", args: ["sh", "-c", `cat > ${out}/createRuntime; hostname > ${out}/cr-hostname`] }],
    // the host's /bin/sh, run in the container's namespaces while the host's tree (the bundle) is still visible
    createContainer: [{ path: "/bin/sh", args: ["sh", "-c", `cat > ${out}/createContainer; hostname > ${out}/cc-hostname; readlink /proc/self/ns/mnt > ${out}/cc-mnt; test -e ${b.dir}/config.json && echo before-pivot > ${out}/cc-where`] }],
    // the container's /bin/sh, in the container: its / is the rootfs, the volume is at /out
    startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "cat > /out/startContainer; hostname > /out/sc-hostname; readlink /proc/self/ns/mnt > /out/sc-mnt"] }],
    poststart: [hook("poststart")],
    poststop: [hook("poststop")],
  };
  b.save();
  const read = (name: string) => Deno.readTextFileSync(`${out}/${name}`).trim();
  try {
    await withRoot(async (root) => {
      assertEquals((await runtime(root, ["run", "--bundle", b.dir, "h1"])).code, 0);
      const pre = JSON.parse(read("prestart"));
      assertEquals([pre.id, pre.status, pre.bundle], ["h1", "creating", b.dir]);
      assert(pre.pid > 0);
      assertEquals(JSON.parse(read("createRuntime")).id, "h1");
      assert(read("cr-hostname") !== "hooked", "createRuntime runs in the runtime's namespaces");
      assertEquals(JSON.parse(read("createContainer")).pid, pre.pid);
      assertEquals([read("cc-hostname"), read("cc-where"), read("cc-mnt")], ["hooked", "before-pivot", read("ctr-mnt")]);
      assertEquals(JSON.parse(read("startContainer")).status, "created");
      assertEquals([read("sc-hostname"), read("sc-mnt"), read("order")], ["hooked", read("ctr-mnt"), "after"]);
      assertEquals(JSON.parse(read("poststart")).status, "running");
      assertEquals(JSON.parse(read("poststop")).status, "stopped");
    });
    // a failing prestart hook fails the create, which leaves nothing
    b.config.hooks = { prestart: [{ path: "/bin/sh", args: ["sh", "-c", "echo no >&2; exit 3"] }] };
    b.save();
    await withRoot(async (root) => {
      const r = await runtime(root, ["create", "--bundle", b.dir, "h2"]);
      assertEquals(r.code, 1);
      assertMatch(r.stderr, /prestart hook #0 \(\/bin\/sh\): exit status 3, stderr: no/);
    });
    // a failing createContainer hook too; a failing startContainer hook fails the start and ends the container
    b.config.hooks = { createContainer: [{ path: "/bin/sh", args: ["sh", "-c", "echo cc-no >&2; exit 5"] }] };
    b.save();
    await withRoot(async (root) => {
      const r = await runtime(root, ["create", "--bundle", b.dir, "h3"]);
      assertEquals(r.code, 1);
      assertMatch(r.stderr, /createContainer hook #0 \(\/bin\/sh\): exit status 5, stderr: cc-no/);
    });
    b.config.hooks = { startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "exit 4"] }] };
    b.save();
    await withRoot(async (root) => {
      assertEquals((await runtime(root, ["create", "--bundle", b.dir, "h4"])).code, 0);
      const r = await runtime(root, ["start", "h4"]);
      assertEquals(r.code, 1);
      assertMatch(r.stderr, /startContainer hook #0 \(\/bin\/sh\): exit status 4/);
      for (let i = 0; i < 50 && JSON.parse((await runtime(root, ["state", "h4"])).stdout).status !== "stopped"; i++) await new Promise((r) => setTimeout(r, 50));
      assertEquals(JSON.parse((await runtime(root, ["state", "h4"])).stdout).status, "stopped");
      assertEquals((await runtime(root, ["delete", "h4"])).code, 0);
    });
  } finally {
    await b.remove();
    await Deno.remove(out, { recursive: true });
  }
} });

Deno.test({ name: "runtime: the config's device rules apply in order after a deny-all, runc's default set still allowed", ...PROC, fn: async () => {
  const b = await makeBundle((c) => {
    c.linux!.devices = [{ path: "/dev/cpu_dma_latency", type: "c", major: 10, minor: 259, fileMode: 0o666 }];
    c.linux!.resources = { devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 10, minor: 259, access: "rw" }, { allow: false, type: "c", major: 10, minor: 259, access: "w" }] };
    c.process!.args = ["sh", "-c", "head -c 4 /dev/cpu_dma_latency | wc -c; { printf 0000 > /dev/cpu_dma_latency; } 2>/dev/null || echo write denied; echo x > /dev/null && echo null ok"];
  });
  try {
    await withRoot(async (root) => {
      const r = await runtime(root, ["run", "--bundle", b.dir, "dev1"]);
      assertEquals([r.code, r.stdout], [0, "4\nwrite denied\nnull ok\n"], r.stderr);
    });
  } finally {
    await b.remove();
  }
} });

Deno.test({ name: "runtime: a user namespace — root in the container is the mapped host uid, /proc and the devices work, exec joins it; bad configs are clear errors", ...PROC, fn: async () => {
  const out = await Deno.makeTempDir({ prefix: "berth-test-userns-" });
  const b = await makeBundle((c) => {
    c.linux!.namespaces!.push({ type: "user" });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.mounts!.push({ destination: "/out", type: "bind", source: out, options: ["rbind"] });
    c.process!.args = ["sh", "-c", "id -u; cat /proc/self/uid_map; echo $$; echo x > /dev/null && echo null-ok; touch /out/made; hostname"];
    c.hostname = "inuser";
  });
  try {
    // the image's files belong to the mapped range and the bundle can be walked into, as a caller prepares
    // them for a user namespace (containerd's bundle directories are 0711)
    Deno.chmodSync(b.dir, 0o711);
    const chown = await new Deno.Command("chown", { args: ["-R", "100000:100000", `${b.dir}/rootfs`, out] }).output();
    assert(chown.success);
    await withRoot(async (root) => {
      const r = await runtime(root, ["run", "--bundle", b.dir, "u1"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout.split("\n").map((l) => l.trim().replace(/\s+/g, " ")), ["0", "0 100000 65536", "1", "null-ok", "inuser", ""]);
      assertEquals(Deno.statSync(`${out}/made`).uid, 100000);
      // created and started: the process is the mapped uid on the host; exec enters its user namespace
      b.config.process!.args = ["sleep", "100"];
      b.save();
      assertEquals((await runtime(root, ["create", "--bundle", b.dir, "--pid-file", `${b.dir}/pid`, "u2"])).code, 0);
      const pid = Deno.readTextFileSync(`${b.dir}/pid`);
      assertMatch(Deno.readTextFileSync(`/proc/${pid}/status`), /^Uid:\s+100000\s/m);
      assertEquals((await runtime(root, ["start", "u2"])).code, 0);
      const e = await runtime(root, ["exec", "u2", "sh", "-c", "id -u; cat /proc/self/uid_map"]);
      assertEquals(e.stdout.split("\n").map((l) => l.trim().replace(/\s+/g, " ")), ["0", "0 100000 65536", ""]);
      assertEquals((await runtime(root, ["delete", "-f", "u2"])).code, 0);
    });
    // without maps, or without a pid namespace of its own: refused before anything is made
    b.config.linux!.uidMappings = [];
    b.save();
    await withRoot(async (root) => assertMatch((await runtime(root, ["create", "--bundle", b.dir, "u3"])).stderr, /uidMappings and linux\.gidMappings: a user namespace needs both/));
    b.config.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    b.config.linux!.namespaces = b.config.linux!.namespaces!.filter((n) => n.type !== "pid");
    b.save();
    await withRoot(async (root) => assertMatch((await runtime(root, ["create", "--bundle", b.dir, "u4"])).stderr, /a new user namespace needs a new pid namespace/));
  } finally {
    await b.remove();
    await Deno.remove(out, { recursive: true });
  }
} });

Deno.test({ name: "runtime: bad bundles are clear errors and leave nothing", ...PROC, fn: async () => {
  const b = await makeBundle();
  try {
    await withRoot(async (root) => {
      const cases: Array<[string, (dir: string) => void, RegExp]> = [
        ["missing rootfs", (d) => Deno.renameSync(`${d}/rootfs`, `${d}/rootfs-away`), /rootfs \(.*\/rootfs\) does not exist/],
        ["invalid JSON", (d) => Deno.writeTextFileSync(`${d}/config.json`, "{ nope"), /config\.json: invalid JSON/],
        ["unknown namespace type", (d) => {
          const c = JSON.parse(JSON.stringify(b.config));
          c.linux.namespaces.push({ type: "bogus" });
          Deno.writeTextFileSync(`${d}/config.json`, JSON.stringify(c));
        }, /linux\.namespaces\[\d+\]\.type: unknown namespace type "bogus"/],
        ["no args", (d) => {
          const c = JSON.parse(JSON.stringify(b.config));
          c.process.args = [];
          Deno.writeTextFileSync(`${d}/config.json`, JSON.stringify(c));
        }, /process\.args: expected a non-empty list/],
        ["command not in the rootfs", (d) => {
          const c = JSON.parse(JSON.stringify(b.config));
          c.process.args = ["/nope"];
          Deno.writeTextFileSync(`${d}/config.json`, JSON.stringify(c));
        }, /"\/nope": stat \/nope: no such file or directory/],
        ["no bundle", (d) => Deno.removeSync(`${d}/config.json`), /config\.json: no such file/],
      ];
      for (const [what, breakIt, msg] of cases) {
        const copy = await Deno.makeTempDir({ prefix: "berth-test-badbundle-" });
        try {
          await new Deno.Command("cp", { args: ["-a", `${b.dir}/.`, copy] }).output();
          breakIt(copy);
          const r = await runtime(root, ["create", "--bundle", copy, "bad"]);
          assertEquals(r.code, 1, what);
          assertMatch(r.stderr, msg, what);
          assertEquals([...Deno.readDirSync(root)].length, 0, `${what}: nothing left in the state root`);
        } finally {
          await Deno.remove(copy, { recursive: true });
        }
      }
      assertMatch((await runtime(root, ["create", "--bundle", b.dir, "../x"])).stderr, /invalid container id format/);
      assertMatch((await runtime(root, ["start", "nope"])).stderr, /container does not exist/);
      assertMatch((await runtime(root, ["--bogus", "list"])).stderr, /flag provided but not defined: -bogus/);
    });
    assertEquals(leftCgroups(), []);
  } finally {
    await b.remove();
  }
} });

Deno.test({ name: "runtime: a terminal through --console-socket, or relayed by a foreground run; --log-format json records the error; berth-runc as a link; --version", ...PROC, fn: async () => {
  const b = await makeBundle((c) => {
    c.process!.terminal = true;
    c.process!.args = ["sh", "-c", "tty; echo on-the-tty; sleep 1"];
  });
  const link = `${b.dir}/berth-runc`;
  try {
    Deno.symlinkSync(BERTH, link);
    const v = new TextDecoder().decode((await new Deno.Command(link, { args: ["--version"], stdout: "piped" }).output()).stdout);
    assertMatch(v, /^runc version \d+\.\d+\.\d+\n[\s\S]*berth version /);
    await withRoot(async (root) => {
      // a console socket that receives the terminal's fd and reads from it (Python's recv_fds)
      const sock = `${b.dir}/console.sock`;
      const py = new Deno.Command("/usr/bin/python3", {
        args: ["-c", `
import socket, os, sys
s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(sock)}); s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
msg, fds, flags, addr = socket.recv_fds(c, 16, 1)
out = b""
while b"on-the-tty" not in out:
    chunk = os.read(fds[0], 1024)
    if not chunk: break
    out += chunk
sys.stdout.write(out.decode())
`],
        stdout: "piped",
      }).spawn();
      const reader = py.stdout.getReader();
      await reader.read(); // "ready"
      const c = await new Deno.Command(link, { args: ["--root", root, "create", "--bundle", b.dir, "--console-socket", sock, "t1"], stderr: "piped" }).output();
      assertEquals(c.code, 0, new TextDecoder().decode(c.stderr));
      assertEquals((await runtime(root, ["start", "t1"])).code, 0);
      let text = "";
      for (let r; !(r = await reader.read()).done;) text += new TextDecoder().decode(r.value);
      await py.status;
      assertMatch(text, /\/dev\/console|\/dev\/pts\/\d+/);
      assertMatch(text, /on-the-tty/);
      await runtime(root, ["delete", "-f", "t1"]);

      // run in the foreground with a terminal and no console socket: berth relays it to its own (script's) terminal
      const relayed = await new Deno.Command("script", {
        args: ["-qec", `${link} --root ${root} run --bundle ${b.dir} t2; echo "exit=$?"`, "/dev/null"],
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      const rr = await relayed.output();
      await relayed.stdin.close().catch(() => {});
      const rtext = new TextDecoder().decode(rr.stdout);
      assertMatch(rtext, /(\/dev\/console|\/dev\/pts\/\d+)\s+on-the-tty[\s\S]*exit=0/);

      // errors go to the log as JSON lines, the last error being what callers show
      const log = `${b.dir}/log.json`;
      const r = await runtime(root, ["--log", log, "--log-format", "json", "state", "nope"]);
      assertEquals(r.code, 1);
      const last = JSON.parse(Deno.readTextFileSync(log).trim().split("\n").at(-1)!);
      assertEquals([last.level, last.msg], ["error", "container does not exist"]);
      assertMatch(last.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });
  } finally {
    await b.remove();
  }
} });

Deno.test({ name: "runtime: a hostile rootfs — /dev, /proc and a mount point as links to host paths — cannot reach the host (the targets are made inside the rootfs)", ...PROC, fn: async () => {
  const host = await Deno.makeTempDir({ prefix: "berth-test-hostile-host-" });
  const b = await makeBundle((c) => {
    c.process!.args = ["sh", "-c", "ls /dev/null >/dev/null && echo ran"];
    c.mounts!.push({ destination: "/data", type: "tmpfs", source: "tmpfs", options: ["size=1m"] });
  });
  Deno.mkdirSync(`${b.dir}/rootfs/data`);
  try {
    Deno.mkdirSync(`${host}/dev`);
    Deno.mkdirSync(`${host}/proc`);
    Deno.writeTextFileSync(`${host}/canary`, "host file\n");
    // the image's /proc, /dev or /data (a mount point) is an absolute link to a host directory: resolved inside
    // the rootfs, it names a path the image does not have, which is made there (as runc does) — the container
    // runs, with its mount behind the link inside its own rootfs, and nothing is made anywhere else
    for (const d of ["proc", "dev", "data"]) {
      const at = `${b.dir}/rootfs/${d}`;
      Deno.removeSync(at, { recursive: true });
      const target = d === "data" ? host : `${host}/${d}`;
      Deno.symlinkSync(target, at);
      await withRoot(async (root) => {
        const r = await runtime(root, ["run", "--bundle", b.dir, "hostile"]);
        assertEquals([r.code, r.stdout], [0, "ran\n"], `${d}: ${r.stderr}`);
      });
      assert(Deno.statSync(`${b.dir}/rootfs${target}`).isDirectory, `${d}: the link's target made inside the rootfs`);
      Deno.removeSync(at);
      Deno.removeSync(`${b.dir}/rootfs${host}`, { recursive: true });
      Deno.mkdirSync(at);
    }
    // nothing was made or mounted in the host directory
    assertEquals([...Deno.readDirSync(host)].map((e) => e.name).sort(), ["canary", "dev", "proc"]);
    assertEquals([...Deno.readDirSync(`${host}/dev`)], []);
    assertEquals([...Deno.readDirSync(`${host}/proc`)], []);
    assertEquals(Deno.readTextFileSync("/proc/self/mounts").includes(host), false);
    // a sysctl key that climbs out of /proc/sys is refused
    b.config.linux!.sysctl = { "../../etc/x": "1" };
    b.save();
    await withRoot(async (root) => assertMatch((await runtime(root, ["create", "--bundle", b.dir, "h2"])).stderr, /linux\.sysctl: invalid key/));
  } finally {
    await b.remove();
    await Deno.remove(host, { recursive: true });
  }
} });
