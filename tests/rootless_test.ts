/**
 * Rootless berth (issue 16): an ordinary user made by the test, with and without subordinate id
 * ranges, runs the same dist/berth. Its storage is under ~/.local/share/berth, its user namespace (the user
 * root in it, the subordinate ids after) is held by one process whose mount and PID namespaces every command
 * shares; images load and pull with their owners mapped into the user's range; containers run in the
 * foreground and detached, build runs RUN steps, a container reads no host file the user cannot; a user
 * without a range is told what to add.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH, berth, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { startRegistry } from "./helpers/registry.ts";
import { as, busyboxImageTar, removeUser, setRanges, sh } from "./helpers/rootless.ts";

const USER = "berthrl";
const NO_RANGE = "berthrl2";
const dec = new TextDecoder();

Deno.test({ name: "rootless: storage, the user namespace (maps, shared mount and PID namespaces), load, pull, build, run foreground and detached as the user; no subuids: a clear error", ...PROC, fn: async () => {
  await removeUser(USER);
  await removeUser(NO_RANGE);
  const root = await tempRoot();
  const ctx = await Deno.makeTempDir({ prefix: "berth-test-rootless-" });
  try {
    assertEquals((await sh(["useradd", "-m", "-s", "/bin/sh", USER])).code, 0);
    assertEquals((await sh(["useradd", "-m", "-s", "/bin/sh", NO_RANGE])).code, 0);
    setRanges(USER, "300000:65536", "310000:65536");
    setRanges(NO_RANGE);
    const uid = Number((await sh(["id", "-u", USER])).stdout);
    const gid = Number((await sh(["id", "-g", USER])).stdout);

    // the user namespace: the user is root, the subordinate ranges follow
    const maps = await as(USER, ["unshare", "sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/gid_map"]);
    assertEquals(maps.code, 0, maps.stderr);
    assertEquals(maps.stdout.split("\n").map((l) => l.trim().split(/\s+/).join(" ")).filter(Boolean), ["0", `0 ${uid} 1`, "1 300000 65536", `0 ${gid} 1`, "1 310000 65536"]);
    assertEquals((await as(USER, ["unshare", "sh", "-c", "exit 4"])).code, 4);
    assertEquals((await as(USER, ["unshare", "no-such-command"])).code, 127);
    // its state: private, in the /tmp fallback (no XDG_RUNTIME_DIR here); storage under ~/.local/share
    const rt = Deno.statSync(`/tmp/berth-run-${uid}`);
    assertEquals([rt.uid, rt.mode! & 0o777], [uid, 0o700]);
    assertEquals((await as(USER, ["info", "-f", "{{.DockerRootDir}}"])).stdout, `/home/${USER}/.local/share/berth\n`);

    // one mount namespace for every command of the user, none of it on the host
    assertEquals((await as(USER, ["unshare", "sh", "-c", "mkdir -p /tmp/brl && mount -t tmpfs none /tmp/brl && echo kept > /tmp/brl/f"])).code, 0);
    assertEquals((await as(USER, ["unshare", "cat", "/tmp/brl/f"])).stdout, "kept\n");
    assert(!Deno.readTextFileSync("/proc/self/mountinfo").includes(" /tmp/brl "), "the user's mount is on the host");
    assertEquals((await as(USER, ["unshare", "umount", "/tmp/brl"])).code, 0);

    // an image with a file of uid 1000 and a setuid file, loaded as the user: owners mapped into the range
    await busyboxImageTar(root, ctx, "rl:1", "rl.tar", "COPY --chown=1000:1000 owned /home/owned\n", { owned: "app's\n" });
    const load = await as(USER, ["load", "-i", `${ctx}/rl.tar`]);
    assertEquals(load.code, 0, load.stderr);
    assertMatch(load.stdout, /Loaded image: rl:1/);
    assertMatch((await as(USER, ["images", "--format", "{{.Repository}}:{{.Tag}}"])).stdout, /^rl:1$/m);
    const found = (await sh(["find", `/home/${USER}/.local/share/berth`, "-name", "owned", "-path", "*/home/*"])).stdout.trim().split("\n")[0];
    assert(found, "the layer's file is not in the user's storage");
    const st = Deno.statSync(found);
    assertEquals([st.uid, st.gid], [300000 + 999, 310000 + 999], "uid 1000 of the image is the range's 1000th id");
    assertEquals((await as(USER, ["unshare", "stat", "-c", "%u:%g", found])).stdout, "1000:1000\n");

    // containers: foreground (exit code, output), the user namespace's root inside, no host file the user
    // could not read either, limits said not to apply
    const fg = await as(USER, ["run", "--rm", "--network", "none", "rl:1", "sh", "-c", "id -u; stat -c %u:%g /home/owned; exit 3"]);
    assertEquals([fg.code, fg.stdout, fg.stderr], [3, "0\n1000:1000\n", ""]);
    // the default devices: bound from the host's (mknod is refused in a user namespace)
    const devs = await as(USER, ["run", "--rm", "--network", "none", "rl:1", "sh", "-c", "echo x > /dev/null && head -c 3 /dev/zero | wc -c && ls /dev"]);
    assertEquals(devs.stdout.split("\n")[0], "3", devs.stderr);
    for (const d of ["full", "null", "random", "tty", "urandom", "zero"]) assertMatch(devs.stdout, new RegExp(`^${d}$`, "m"));
    // whiteouts and opaque directories — a loaded image's (root's build) and a RUN's as the user — in overlay
    // (user.* xattrs in the user namespace) and in the copy of the layers (BERTH_STORAGE=copy, as on kernels
    // before 5.11, whose overlayfs does not work in user namespaces)
    Deno.writeTextFileSync(`${ctx}/Dockerfile.wh`, "FROM rl:1\nRUN mkdir -p /d && touch /d/a /gone\nRUN rm -rf /d /gone && mkdir /d && touch /d/b\n");
    assertEquals((await berth(root, ["build", "-q", "--network", "none", "-f", `${ctx}/Dockerfile.wh`, "-t", "rl:wh", ctx])).code, 0);
    assertEquals((await berth(root, ["save", "-o", `${ctx}/wh.tar`, "rl:wh"])).code, 0);
    Deno.chmodSync(`${ctx}/wh.tar`, 0o644);
    assertEquals((await as(USER, ["load", "-q", "-i", `${ctx}/wh.tar`])).code, 0);
    const look = ["sh", "-c", "ls /d; test -e /gone || echo gone"];
    assertEquals((await as(USER, ["run", "--rm", "--network", "none", "rl:wh", ...look])).stdout, "b\ngone\n");
    Deno.writeTextFileSync(`${ctx}/Dockerfile.wh2`, "FROM rl:wh\nRUN rm -rf /d && mkdir /d && touch /d/c\n");
    const wh2 = await as(USER, ["build", "-q", "--network", "none", "-f", `${ctx}/Dockerfile.wh2`, "-t", "rl:wh2", ctx]);
    assertEquals(wh2.code, 0, wh2.stderr);
    assertEquals((await as(USER, ["run", "--rm", "--network", "none", "rl:wh2", ...look])).stdout, "c\ngone\n");
    const copied = await sh(["su", "-", USER, "-s", "/bin/sh", "-c", `cd /tmp && BERTH_STORAGE=copy ${BERTH} run --rm --network none rl:wh2 sh -c 'ls /d; test -e /gone || echo gone; grep -c " / overlay " /proc/mounts'`]);
    assertEquals([copied.stdout, copied.stderr], ["c\ngone\n0\n", ""]);
    // the switch itself, on a kernel's real refusal: storage on an overlayfs (berth in a container), which overlay
    // refuses as an upper layer (EINVAL), so each container gets the copy without being asked
    // (mounted in the user's own mount namespace: one of root's made now would not reach it)
    const ov = `/home/${USER}/ov`;
    const mounted = await as(USER, ["unshare", "sh", "-c", `mkdir -p ${ov}/l ${ov}/u ${ov}/w ${ov}/m && mount -t overlay overlay -o lowerdir=${ov}/l,upperdir=${ov}/u,workdir=${ov}/w ${ov}/m`]);
    assertEquals(mounted.code, 0, mounted.stderr);
    try {
      const onOverlay = await sh(["su", "-", USER, "-s", "/bin/sh", "-c", `cd /tmp && export XDG_DATA_HOME=${ov}/m && ${BERTH} load -q -i ${ctx}/rl.tar >/dev/null && ${BERTH} --debug run --rm --network none rl:1 cat /home/owned`]);
      assertEquals(onOverlay.stdout, "app's\n", onOverlay.stderr);
      assertMatch(onOverlay.stderr, /rootfs: overlay refused \(mount .*: Invalid argument\): copying the layers/);
      // whiteouts there: the kernel refuses a user's 0:0 device on an overlayfs, so they take overlay's xattr form
      const wh = await sh(["su", "-", USER, "-s", "/bin/sh", "-c", `cd /tmp && export XDG_DATA_HOME=${ov}/m && ${BERTH} load -q -i ${ctx}/wh.tar >/dev/null && ${BERTH} run --rm --network none rl:wh sh -c 'ls /d; test -e /gone || echo gone'`]);
      assertEquals([wh.stdout, wh.stderr], ["b\ngone\n", ""]);
    } finally {
      await as(USER, ["unshare", "umount", "-l", `${ov}/m`]);
    }
    const shadow = await as(USER, ["run", "--rm", "--network", "none", "-v", "/etc/shadow:/s:ro", "-v", "/root:/r", "rl:1", "sh", "-c", "cat /s; ls /r"]);
    assertEquals(shadow.code, 1);
    assertMatch(shadow.stderr, /cat: can't open '\/s': Permission denied\nls: can't open '\/r': Permission denied/);
    const limited = await as(USER, ["run", "--rm", "--network", "none", "-m", "64m", "rl:1", "true"]);
    assertEquals(limited.code, 0);
    assertMatch(limited.stderr, /^berth: warning: rootless: no cgroup is delegated to this user .*: memory not applied\n$/);
    // the default network: slirp4netns — out to the host's address, DNS at 10.0.2.3, -p from the host
    const hostIp = (await sh(["ip", "-4", "-o", "addr", "show", "scope", "global"])).stdout.match(/inet (\d+\.\d+\.\d+\.\d+)/)?.[1];
    assert(hostIp, "the host has no global IPv4 address to reach");
    const ac = new AbortController();
    const server = Deno.serve({ hostname: hostIp, port: 0, signal: ac.signal, onListen() {} }, () => new Response("from the host\n"));
    try {
      const out = await as(USER, ["run", "--rm", "rl:1", "sh", "-c", `grep nameserver /etc/resolv.conf; wget -qO- http://${hostIp}:${server.addr.port}/`]);
      assertEquals([out.code, out.stdout], [0, "nameserver 10.0.2.3\nfrom the host\n"], out.stderr);
    } finally {
      ac.abort();
      await server.finished;
    }
    const port = 20000 + Math.floor(Math.random() * 20000);
    const httpd = await as(USER, ["run", "-d", "--name", "rl-httpd", "-p", `127.0.0.1:${port}:80`, "rl:1", "httpd", "-f", "-p", "80", "-h", "/home"]);
    assertEquals(httpd.code, 0, httpd.stderr);
    let got = "";
    for (let i = 0; i < 30 && !got; i++) {
      await new Promise((r) => setTimeout(r, 100));
      got = await fetch(`http://127.0.0.1:${port}/owned`).then((r) => r.text(), () => "");
    }
    assertEquals(got, "app's\n");
    assertEquals((await as(USER, ["port", "rl-httpd"])).stdout, `80/tcp -> 127.0.0.1:${port}\n`);
    assertEquals((await as(USER, ["ps", "--format", "{{.Ports}}", "--filter", "name=rl-httpd"])).stdout, `127.0.0.1:${port}->80/tcp\n`);
    assertEquals((await as(USER, ["rm", "-f", "rl-httpd"])).code, 0);
    assertEquals((await sh(["pgrep", "-u", USER, "slirp4netns"])).stdout, "", "slirp4netns outlived its container");
    // a host port that is taken: Docker's message, and nothing of the container's network left running
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const busy = await as(USER, ["run", "--rm", "-p", `127.0.0.1:${(taken.addr as Deno.NetAddr).port}:80`, "rl:1", "true"]);
      assertEquals(busy.code, 125);
      assertMatch(busy.stderr, /Bind for 127\.0\.0\.1:\d+ failed: port is already allocated/);
    } finally {
      taken.close();
    }
    assertEquals((await sh(["pgrep", "-u", USER, "slirp4netns"])).stdout, "", "slirp4netns outlived a failed start");
    assertEquals((await as(USER, ["ps", "-aq"])).stdout, "", "a failed --rm start left its container");
    // /dev/net/tun closed to users: said so, with the way out
    Deno.chmodSync("/dev/net/tun", 0o600);
    try {
      const tun = await as(USER, ["run", "--rm", "rl:1", "true"]);
      assertEquals(tun.code, 125);
      assertMatch(tun.stderr, /rootless: \/dev\/net\/tun is not open to users.*chmod 0666 \/dev\/net\/tun.*or use --network none\|host/);
    } finally {
      Deno.chmodSync("/dev/net/tun", 0o666);
    }
    assertMatch((await as(USER, ["run", "--rm", "--network", "host", "rl:1", "sh", "-c", "ls /sys/class/net"])).stdout, /\blo\b/);

    // detached under the user's supervisor: ps, logs, exec, a named volume, stop, rm
    const id = await as(USER, ["run", "-d", "--name", "rl-web", "--network", "none", "-v", "rl-data:/data", "rl:1", "sh", "-c", "echo up; echo kept > /data/f; exec sleep 60"]);
    assertEquals(id.code, 0, id.stderr);
    await new Promise((r) => setTimeout(r, 500));
    assertEquals((await as(USER, ["ps", "--format", "{{.Names}} {{.State}}"])).stdout, "rl-web running\n");
    assertEquals((await as(USER, ["logs", "rl-web"])).stdout, "up\n");
    assertEquals((await as(USER, ["exec", "rl-web", "cat", "/data/f"])).stdout, "kept\n");
    assertEquals((await as(USER, ["stop", "-t", "0", "rl-web"])).code, 0);
    assertEquals((await as(USER, ["rm", "rl-web"])).code, 0);
    assertEquals((await as(USER, ["volume", "rm", "rl-data"])).code, 0);

    // once the holder lives, the one file's sh header joins its namespaces with nsenter (no Deno started only
    // for that); a SIGTERM to that nsenter, the process the user started, still reaches the container
    const fgTerm = new Deno.Command("su", {
      args: ["-", USER, "-s", "/bin/sh", "-c", `cd /tmp && exec ${BERTH} run --name rl-term --network none rl:1 sh -c 'trap "exit 7" TERM; touch /ready; sleep 60 & wait'`],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const fgDone = fgTerm.output();
    let joiner = "";
    for (let i = 0; i < 50 && !joiner; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const running = (await as(USER, ["exec", "rl-term", "test", "-f", "/ready"])).code === 0; // its trap is set
      joiner = running ? (await sh(["pgrep", "-u", USER, "-f", "^nsenter -t [0-9]+ -U -m -p .* run --name rl-term"])).stdout.trim() : "";
    }
    if (!joiner) {
      try {
        fgTerm.kill("SIGKILL");
      } catch { /* it ended already: its stderr says why */ }
      throw new Error(`the header did not join through nsenter: ${dec.decode((await fgDone).stderr)}`);
    }
    Deno.kill(Number(joiner), "SIGTERM");
    await fgDone;
    let exited = "";
    for (let i = 0; i < 50 && exited !== "exited 7\n"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      exited = (await as(USER, ["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "rl-term"])).stdout;
    }
    assertEquals(exited, "exited 7\n", "the container did not get the SIGTERM");
    assertEquals((await as(USER, ["rm", "rl-term"])).code, 0);

    // -it on a terminal (script(1)): the session through the user's supervisor, the exit code back
    const term = await sh(["su", "-", USER, "-s", "/bin/sh", "-c", `cd /tmp && (sleep 1.5; printf 'echo hi-$((2+3))\\r'; sleep 1; printf 'exit 6\\r'; sleep 1) | script -qec '${BERTH} run -it --rm --network none rl:1 sh' /dev/null`]);
    assertEquals(term.code, 6, term.stdout);
    assertMatch(term.stdout, /hi-5/);
    // the Engine API as the user, on a socket in their runtime dir
    const svc = new Deno.Command("su", { args: ["-", USER, "-s", "/bin/sh", "-c", `${BERTH} system service --time 0`], stdout: "null", stderr: "piped" }).spawn();
    try {
      let ping = "";
      for (let i = 0; i < 50 && ping !== "OK"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ping = (await sh(["curl", "-s", "--unix-socket", `/tmp/berth-run-${uid}/berth.sock`, "http://berth/_ping"])).stdout;
      }
      assertEquals(ping, "OK");
      const images = JSON.parse((await sh(["curl", "-s", "--unix-socket", `/tmp/berth-run-${uid}/berth.sock`, "http://berth/images/json"])).stdout);
      assertEquals(images.map((i: { RepoTags: string[] }) => i.RepoTags).flat().sort(), ["rl:1", "rl:wh", "rl:wh2"]);
    } finally {
      await sh(["pkill", "-TERM", "-u", USER, "-f", "system service"]);
      await svc.status;
      await svc.stderr.cancel();
    }

    // build (RUN as the user namespace's root, on the user's network) and pull from a registry
    Deno.writeTextFileSync(`${ctx}/Dockerfile.2`, "FROM rl:1\nRUN echo built > /b && chown 1000:1000 /b\n");
    const b2 = await as(USER, ["build", "-q", "-f", `${ctx}/Dockerfile.2`, "-t", "rl:2", ctx]);
    assertEquals(b2.code, 0, b2.stderr);
    assertEquals((await as(USER, ["run", "--rm", "--network", "none", "rl:2", "stat", "-c", "%u %n", "/b"])).stdout, "1000 /b\n");
    const reg = await startRegistry();
    try {
      assertEquals((await berth(root, ["tag", "rl:1", `${reg.host}/rl:1`])).code, 0);
      assertEquals((await berth(root, ["push", "-q", `${reg.host}/rl:1`])).code, 0);
      const pulled = await as(USER, ["pull", "-q", `${reg.host}/rl:1`]);
      assertEquals(pulled.code, 0, pulled.stderr);
      assertEquals((await as(USER, ["run", "--rm", "--network", "none", `${reg.host}/rl:1`, "cat", "/home/owned"])).stdout, "app's\n");
      // push as the user: the layer's owners are the image's (1000), not the host ids they were kept under
      assertEquals((await as(USER, ["tag", "rl:2", `${reg.host}/rl:2`])).code, 0);
      const pushed = await as(USER, ["push", "-q", `${reg.host}/rl:2`]);
      assertEquals(pushed.code, 0, pushed.stderr);
      assertEquals((await berth(root, ["pull", "-q", `${reg.host}/rl:2`])).code, 0);
      assertEquals((await berth(root, ["run", "--rm", "--network", "none", `${reg.host}/rl:2`, "stat", "-c", "%u:%g %n", "/b", "/home/owned"])).stdout, "1000:1000 /b\n1000:1000 /home/owned\n");
    } finally {
      await reg.stop();
    }

    // a user without a range: told what to add, nothing made
    const none = await as(NO_RANGE, ["unshare", "true"]);
    assertEquals(none.code, 125);
    assertMatch(none.stderr, /^berth: rootless: no subordinate ids for berthrl2 in \/etc\/subuid: .*usermod --add-subuids 100000-165535 --add-subgids 100000-165535 berthrl2\n$/);
  } finally {
    await removeUser(USER);
    await removeUser(NO_RANGE);
    await Deno.remove(root, { recursive: true }).catch(() => {});
    await Deno.remove(ctx, { recursive: true }).catch(() => {});
  }
} });
