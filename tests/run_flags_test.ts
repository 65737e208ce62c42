/**
 * Issue 15 (in part): more of `docker run`'s habits — foreground containers keep logs, `--log-driver none`,
 * `--init`, `--cpuset-cpus`, `--expose`, `--dns-search/--dns-option`, `--volumes-from`, `-q` — and the
 * inspect shapes scripts read (Config.Entrypoint apart from Cmd, HostConfig.PortBindings/CapAdd/Dns…,
 * GraphDriver, NetworkSettings.Networks.*.NetworkID/EndpointID), short image names.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";
import { buildImage, pushImage, tarDir } from "./helpers/images.ts";
import { startRegistry } from "./helpers/registry.ts";
import { fullBusybox } from "./helpers/run_images.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({ name: "run habits: foreground logs, --log-driver none, --init, --cpuset-cpus", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  try {
    // a foreground container's output is shown and kept: `logs` prints it after the exit, both streams
    const fg = await b(["run", "--name", "f-log", "--network", "none", base, "sh", "-c", "echo out; echo err >&2; printf partial"]);
    assertEquals([fg.code, fg.stdout, fg.stderr], [0, "out\npartial", "err\n"]);
    assertEquals((await b(["logs", "f-log"])).stdout, "out\npartial");
    assertEquals((await b(["logs", "f-log"])).stderr, "err\n");
    // with -t, the terminal's output (its \r\n included), as Docker's json-file keeps it
    assertEquals((await b(["run", "-t", "--name", "f-tty", "--network", "none", base, "echo", "tty"])).stdout, "tty\r\n");
    assertEquals((await b(["logs", "f-tty"])).stdout, "tty\r\n");
    // `start -a` adds its run to the log
    assertEquals((await b(["start", "-a", "f-log"])).stdout, "out\npartial");
    assertEquals((await b(["logs", "f-log"])).stdout, "out\npartialout\npartial");

    // --log-driver none: output still shown in the foreground, nothing kept, `logs` says why (Docker's words)
    const none = await b(["run", "--name", "f-none", "--log-driver", "none", "--network", "none", base, "echo", "shown"]);
    assertEquals([none.code, none.stdout], [0, "shown\n"]);
    const noLogs = await b(["logs", "f-none"]);
    assertEquals(noLogs.code, 125);
    assertMatch(noLogs.stderr, /configured logging driver does not support reading/);
    assertEquals((await b(["inspect", "-f", "{{.HostConfig.LogConfig.Type}}", "f-none"])).stdout, "none\n");
    assertEquals((await b(["run", "-d", "--name", "f-none-d", "--log-driver", "none", "--network", "none", base, "echo", "x"])).code, 0);
    assertEquals((await b(["wait", "f-none-d"])).stdout, "0\n");
    const bad = await b(["run", "--rm", "--log-driver", "syslog", base, "true"]);
    assertEquals(bad.code, 125);
    assertMatch(bad.stderr, /logging driver "syslog" is not supported/);

    // --init: docker-init is pid 1 with the command under it, exit codes pass through
    assertEquals((await b(["run", "--rm", "--init", "--network", "none", base, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo"])).stdout, "/sbin/docker-init -- sh -c cat /proc/1/cmdline | tr '\\0' ' '; echo \n");
    assertEquals((await b(["run", "--rm", "--init", "--network", "none", base, "sh", "-c", "exit 7"])).code, 7);
    assertEquals((await b(["run", "--rm", "--init", "--network", "none", base, "no-such-command"])).code, 127);
    // orphans are reaped by the init; without it they stay zombies under a pid 1 that never waits
    const orphan = ["sh", "-c", "(sleep 0.1 &); exec sleep 30"];
    assertEquals((await b(["run", "-d", "--name", "f-init", "--init", "--network", "none", base, ...orphan])).code, 0);
    assertEquals((await b(["run", "-d", "--name", "f-noinit", "--network", "none", base, ...orphan])).code, 0);
    await sleep(800);
    const states = async (name: string) => (await b(["exec", name, "ps", "-o", "stat"])).stdout.split("\n").slice(1).join("");
    assert(!(await states("f-init")).includes("Z"), "a zombie under --init");
    assert((await states("f-noinit")).includes("Z"), "the control case should leave a zombie");
    // stop's TERM goes through the init to the command
    assertEquals((await b(["run", "-d", "--name", "f-term", "--init", "--network", "none", base, "sh", "-c", 'trap "echo term; exit 3" TERM; echo up; while :; do sleep 0.1; done'])).code, 0);
    for (let i = 0; i < 50 && (await b(["logs", "f-term"])).stdout !== "up\n"; i++) await sleep(100);
    assertEquals((await b(["stop", "f-term"])).code, 0);
    assertEquals((await b(["logs", "f-term"])).stdout, "up\nterm\n");
    assertEquals((await b(["inspect", "-f", "{{.State.ExitCode}} {{.HostConfig.Init}}", "f-term"])).stdout, "3 true\n");

    // --cpuset-cpus: the kernel's list for the process; CPUs the host lacks are refused
    const cpuset = await b(["run", "--rm", "--cpuset-cpus", "0", "--network", "none", base, "grep", "Cpus_allowed_list", "/proc/self/status"]);
    assertMatch(cpuset.stdout, /^Cpus_allowed_list:\s+0\n$/);
    const tooMany = await b(["run", "--rm", "--cpuset-cpus", "0-4095", base, "true"]);
    assertEquals(tooMany.code, 125);
    assertMatch(tooMany.stderr, /Requested CPUs are not available - requested 0-4095, available: /);
    assertEquals((await b(["run", "--rm", "--cpuset-cpus", "1-0", base, "true"])).code, 125);
    // update on a running container: all online CPUs
    const online = Deno.readTextFileSync("/sys/devices/system/cpu/online").trim();
    assertEquals((await b(["run", "-d", "--name", "f-cpuset", "--cpuset-cpus", "0", "--network", "none", base, "sleep", "30"])).code, 0);
    assertEquals((await b(["update", "--cpuset-cpus", online, "f-cpuset"])).code, 0);
    assertEquals((await b(["exec", "f-cpuset", "grep", "Cpus_allowed_list", "/proc/1/status"])).stdout, `Cpus_allowed_list:\t${online}\n`);
    assertEquals((await b(["inspect", "-f", "{{.HostConfig.CpusetCpus}}", "f-cpuset"])).stdout, `${online}\n`);
  } finally {
    await b(["rm", "-f", "f-log", "f-tty", "f-none", "f-none-d", "f-init", "f-noinit", "f-term", "f-cpuset"]);
  }
} });

Deno.test({ name: "run habits: --expose, --dns-search/--dns-option, --volumes-from, -q; inspect shapes; short image names", ...PROC, fn: async () => {
  const { root, base, entrypoint } = await runImages();
  const b = (args: string[]) => berth(root, args);
  const reg = await startRegistry();
  const dir = await Deno.makeTempDir({ prefix: "berth-test-runflags-" });
  try {
    // --expose adds to the image's exposed ports, and -P publishes them
    assertEquals((await b(["create", "--name", "s-exp", "--expose", "7000-7001", "--expose", "53/udp", "-P", base, "true"])).code, 0);
    assertEquals(
      (await b(["inspect", "-f", "{{json .Config.ExposedPorts}}", "s-exp"])).stdout,
      '{"53/udp":{},"7000/tcp":{},"7001/tcp":{}}\n',
    );
    assertEquals((await b(["create", "--expose", "http", base, "true"])).code, 125);

    // resolv.conf's search and options lines
    const resolv = (await b(["run", "--rm", "--dns", "10.0.0.53", "--dns-search", "a.example", "--dns-search", "b.example", "--dns-option", "ndots:2", base, "cat", "/etc/resolv.conf"])).stdout;
    assertEquals(resolv, "nameserver 10.0.0.53\nsearch a.example b.example\noptions ndots:2\n");

    // --volumes-from: the other container's volumes and binds, read-only with :ro
    Deno.writeTextFileSync(`${dir}/host-file`, "from-host\n");
    assertEquals((await b(["run", "--name", "s-src", "--network", "none", "-v", "s-named:/data", "-v", `${dir}:/hostdir`, "-v", "/anon", base, "sh", "-c", "echo vol > /data/f; echo anon > /anon/f"])).code, 0);
    const from = await b(["run", "--rm", "--network", "none", "--volumes-from", "s-src", base, "sh", "-c", "cat /data/f /hostdir/host-file /anon/f"]);
    assertEquals(from.stdout, "vol\nfrom-host\nanon\n");
    const ro = await b(["run", "--rm", "--network", "none", "--volumes-from", "s-src:ro", base, "sh", "-c", "touch /data/x 2>/dev/null || echo read-only"]);
    assertEquals(ro.stdout, "read-only\n");
    // the --rm above left the source's anonymous volume alone
    assertEquals((await b(["start", "-a", "s-src"])).code, 0);
    assertEquals((await b(["run", "--rm", "--volumes-from", "nope", base, "true"])).code, 125);

    // inspect: Entrypoint and Cmd apart, HostConfig as given, GraphDriver, network ids
    assertEquals((await b(["create", "--name", "s-ep", entrypoint, "arg"])).code, 0);
    assertEquals((await b(["inspect", "-f", "{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Path}} {{json .Args}}", "s-ep"])).stdout, '["echo","ep"] ["arg"] echo ["ep","arg"]\n');
    assertEquals((await b(["create", "--name", "s-ep2", "--entrypoint", "sh", base, "-c", "true"])).code, 0);
    assertEquals((await b(["inspect", "-f", "{{json .Config.Entrypoint}} {{json .Config.Cmd}}", "s-ep2"])).stdout, '["sh"] ["-c","true"]\n');
    assertEquals((await b(["run", "-d", "--name", "s-shape", "-p", "127.0.0.1::80", "-p", "18089:81/udp", "--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN", "--dns", "10.0.0.53", "--add-host", "db:10.1.2.3", "-v", "s-named:/v", base, "sleep", "30"])).code, 0);
    const hc = JSON.parse((await b(["inspect", "-f", "{{json .HostConfig}}", "s-shape"])).stdout);
    assertEquals(hc.PortBindings, { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }], "81/udp": [{ HostIp: "", HostPort: "18089" }] });
    assertEquals([hc.CapAdd, hc.CapDrop, hc.Dns, hc.ExtraHosts, hc.Binds], [["NET_ADMIN"], ["CHOWN"], ["10.0.0.53"], ["db:10.1.2.3"], ["s-named:/v"]]);
    const gd = JSON.parse((await b(["inspect", "-f", "{{json .GraphDriver}}", "s-shape"])).stdout);
    assertEquals(gd.Name, "overlay2");
    assertMatch(gd.Data.UpperDir, /\/containers\/[0-9a-f]{64}\/upper$/);
    const net = JSON.parse((await b(["inspect", "-f", "{{json .NetworkSettings.Networks.bridge}}", "s-shape"])).stdout);
    const bridgeId = (await b(["network", "inspect", "-f", "{{.Id}}", "bridge"])).stdout.trim();
    assertEquals(net.NetworkID, bridgeId);
    assertMatch(net.EndpointID, /^[0-9a-f]{64}$/);
    assertMatch(net.MacAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);

    // -q: a pull without progress; images under Docker Hub's short names; a Podman-made localhost/NAME by its short name
    const rootfs = `${dir}/rootfs`;
    await fullBusybox(rootfs);
    await pushImage(reg.url, "quiet", "1", buildImage({ layers: [await tarDir(rootfs, true)], cmd: ["/bin/sh"] }));
    const quiet = await b(["run", "--rm", "-q", "--network", "none", `${reg.host}/quiet:1`, "echo", "quiet-ok"]);
    assertEquals([quiet.code, quiet.stdout, quiet.stderr], [0, "quiet-ok\n", ""]);
    assertEquals((await b(["tag", `${reg.host}/quiet:1`, "myapp:2"])).code, 0);
    assertEquals((await b(["tag", `${reg.host}/quiet:1`, "localhost/podman-made:1"])).code, 0);
    assertEquals((await b(["images", "--format", "{{.Repository}}:{{.Tag}}", "myapp"])).stdout, "myapp:2\n");
    assertEquals((await b(["images", "--format", "{{.Repository}}:{{.Tag}}", "docker.io/library/myapp:2"])).stdout, "myapp:2\n");
    assertEquals((await b(["image", "inspect", "-f", "{{json .RepoTags}}", "myapp:2"])).stdout.includes('"myapp:2"'), true);
    assertEquals((await b(["run", "--rm", "--network", "none", "podman-made:1", "echo", "short-name"])).stdout, "short-name\n");
    assertEquals((await b(["rmi", "myapp:2", "localhost/podman-made:1"])).stdout, "Untagged: myapp:2\nUntagged: localhost/podman-made:1\n");
  } finally {
    await b(["rm", "-f", "-v", "s-exp", "s-src", "s-ep", "s-ep2", "s-shape"]);
    await b(["volume", "rm", "s-named"]);
    await reg.stop();
    await Deno.remove(dir, { recursive: true });
  }
} });
