/**
 * An ordinary user's own networks (issue 16): `network create` as the user makes a bridge in the user's network
 * namespace, not on the host; containers on it reach each other by name, the outside through slirp4netns, and
 * the host reaches their published ports; networks are apart from each other; `network connect`/`disconnect`
 * work, and docker-compose's project network through the user's Engine API socket; removing the last network
 * leaves nothing of the user's running.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { addUser, as, busyboxImageTar, removeUser, sh } from "./helpers/rootless.ts";

const USER = "berthrl3";
const COMPOSE = ["/usr/bin/docker-compose"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** Polls `fn` (up to 3 s) until it gives a non-empty answer. */
async function eventually(fn: () => Promise<string>): Promise<string> {
  let got = "";
  for (let i = 0; i < 30 && !got; i++) {
    got = await fn();
    if (!got) await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}

Deno.test({ name: "rootless: user-defined networks in the user's own network namespace (names, outside, -p, apart, connect, nothing left)", ...PROC, fn: async () => {
  const root = await tempRoot();
  const ctx = await Deno.makeTempDir({ prefix: "berth-test-rlnet-" });
  try {
    const { uid } = await addUser(USER, "320000:65536", "330000:65536");
    const tar = await busyboxImageTar(root, ctx, "rlnet:1", "img.tar", "COPY index /www/index\n", { index: "from rlweb\n" });
    assertEquals((await as(USER, ["load", "-q", "-i", tar])).code, 0);

    // slirp4netns's own network cannot be a user's network: said so
    const clash = await as(USER, ["network", "create", "--subnet", "10.0.2.0/24", "bad"]);
    assertEquals(clash.code, 125);
    assertMatch(clash.stderr, /subnet 10\.0\.2\.0\/24 overlaps with slirp4netns's network/);

    const made = await as(USER, ["network", "create", "--subnet", "10.123.0.0/24", "rlnet"]);
    assertEquals(made.code, 0, made.stderr);
    assertEquals((await as(USER, ["network", "create", "rlnet2"])).code, 0);
    // the bridges and their rules are in the user's namespace: none on the host
    const netId = made.stdout.trim().slice(0, 12);
    const bridge = (await as(USER, ["network", "inspect", "-f", '{{index .Options "com.docker.network.bridge.name"}}', "rlnet"])).stdout.trim();
    assertMatch(bridge, /^berth\d+$/);
    const hostLinks = (await sh(["ip", "-o", "link"])).stdout;
    const hostRules = (await sh(["iptables-save"])).stdout;
    assert(!hostRules.includes(`berth:net:${netId}`), "the user's network has rules on the host");
    const [holder] = Deno.readTextFileSync(`/tmp/berth-run-${uid}/netns.pid`).split(" ");
    const nsLinks = (await as(USER, ["unshare", "nsenter", `--net=/proc/${holder}/ns/net`, "ip", "-o", "link"])).stdout;
    assertMatch(nsLinks, new RegExp(`: ${bridge}: `));
    assertMatch(nsLinks, /: tap0: /);
    assert(!/: tap0: /.test(hostLinks), "slirp4netns's tap0 is on the host");

    // a web server with a published port; another container finds it by name; the host reaches the port
    const port = 20000 + Math.floor(Math.random() * 20000);
    const web = await as(USER, ["run", "-d", "--name", "rlweb", "--network", "rlnet", "--ip", "10.123.0.50", "-p", `127.0.0.1:${port}:80`, "rlnet:1", "httpd", "-f", "-p", "80", "-h", "/www"]);
    assertEquals(web.code, 0, web.stderr);
    assertEquals(await eventually(() => fetch(`http://127.0.0.1:${port}/index`).then((r) => r.text(), () => "")), "from rlweb\n");
    const byName = await as(USER, ["run", "--rm", "--network", "rlnet", "rlnet:1", "sh", "-c", "wget -qO- http://rlweb/index; ip -o -4 addr show eth0; ls /sys/class/net"]);
    assertEquals(byName.code, 0, byName.stderr);
    assertMatch(byName.stdout, /^from rlweb\n\d+: eth0 +inet 10\.123\.0\.\d+\/24 /);
    // its own interfaces only (and the kernel's ifb ones, in every new namespace): not the user namespace's tap0
    assertEquals(byName.stdout.split("\n").slice(2).filter((l) => l && !l.startsWith("ifb")), ["eth0", "lo"]);
    assertEquals((await as(USER, ["port", "rlweb"])).stdout, `80/tcp -> 127.0.0.1:${port}\n`);
    // out to the host's address, through slirp4netns
    const hostIp = (await sh(["ip", "-4", "-o", "addr", "show", "scope", "global"])).stdout.match(/inet (\d+\.\d+\.\d+\.\d+)/)?.[1];
    assert(hostIp, "the host has no global IPv4 address to reach");
    const ac = new AbortController();
    const server = Deno.serve({ hostname: hostIp, port: 0, signal: ac.signal, onListen() {} }, () => new Response("from the host\n"));
    try {
      const out = await as(USER, ["run", "--rm", "--network", "rlnet", "rlnet:1", "wget", "-qO-", `http://${hostIp}:${server.addr.port}/`]);
      assertEquals([out.code, out.stdout], [0, "from the host\n"], out.stderr);
    } finally {
      ac.abort();
      await server.finished;
    }

    // networks are apart: rlnet2 reaches rlweb only once it is connected there, and no longer after
    const probe = ["run", "--rm", "--network", "rlnet2", "rlnet:1", "ping", "-c", "1", "-W", "1", "10.123.0.50"];
    assertEquals((await as(USER, probe)).code, 1, "a container of another network reached rlweb");
    assertEquals((await as(USER, ["network", "connect", "rlnet2", "rlweb"])).code, 0);
    const connected = await as(USER, ["run", "--rm", "--network", "rlnet2", "rlnet:1", "wget", "-qO-", "http://rlweb/index"]);
    assertEquals([connected.code, connected.stdout], [0, "from rlweb\n"], connected.stderr);
    assertEquals((await as(USER, ["network", "disconnect", "rlnet2", "rlweb"])).code, 0);
    assertEquals((await as(USER, ["exec", "rlweb", "ls", "/sys/class/net"])).stdout.split("\n").filter((l) => l && !l.startsWith("ifb")), ["eth0", "lo"]);

    // docker-compose (Debian's) on the user's Engine API socket: its project network is one of the user's
    if (COMPOSE) {
      Deno.writeTextFileSync(`${ctx}/docker-compose.yml`, `version: "3.8"
services:
  web:
    image: rlnet:1
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
  client:
    image: rlnet:1
    command: ["sh", "-c", "until wget -qO- http://web/index; do sleep 0.2; done; sleep 60"]
    depends_on: [web]
`);
      Deno.chmodSync(`${ctx}/docker-compose.yml`, 0o644);
      const svc = new Deno.Command("su", { args: ["-", USER, "-s", "/bin/sh", "-c", `${BERTH} system service --time 0`], stdout: "null", stderr: "null" }).spawn();
      const compose = (args: string) => sh(["su", "-", USER, "-s", "/bin/sh", "-c", `cd ${ctx} && DOCKER_HOST=unix:///tmp/berth-run-${uid}/berth.sock COMPOSE_INTERACTIVE_NO_CLI=1 ${COMPOSE} -p rlc ${args}`]);
      try {
        await eventually(async () => (await sh(["test", "-S", `/tmp/berth-run-${uid}/berth.sock`])).code === 0 ? "up" : "");
        const up = await compose("up -d");
        assertEquals(up.code, 0, up.stderr);
        assertEquals(await eventually(async () => (await compose("logs --no-color client")).stdout.includes("from rlweb") ? "ok" : ""), "ok");
        const down = await compose("down -t 0");
        assertEquals(down.code, 0, down.stderr);
        assertMatch(down.stderr, /Removing network rlc_default/);
      } finally {
        await sh(["pkill", "-TERM", "-u", USER, "-f", "system service"]);
        await svc.status;
      }
    }

    // the container's end: its port is free on the host again; the last network's end: nothing left running
    assertEquals((await as(USER, ["rm", "-f", "rlweb"])).code, 0);
    const again = Deno.listen({ hostname: "127.0.0.1", port });
    again.close();
    assertEquals((await as(USER, ["network", "rm", "rlnet", "rlnet2"])).code, 0);
    await new Promise((r) => setTimeout(r, 300));
    assertEquals((await sh(["pgrep", "-u", USER, "slirp4netns"])).stdout, "", "the user's slirp4netns outlived their last network");
    assert(!(await sh(["ls", `/tmp/berth-run-${uid}`])).stdout.includes("netns.pid"), "the network namespace's record is left");
    assertEquals((await sh(["iptables-save"])).stdout.includes("berth:ctr:"), hostRules.includes("berth:ctr:"), "the host's rules changed");
  } finally {
    await removeUser(USER);
    await Deno.remove(root, { recursive: true }).catch(() => {});
    await Deno.remove(ctx, { recursive: true }).catch(() => {});
  }
} });
