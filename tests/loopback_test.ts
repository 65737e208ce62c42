/**
 * Issue 12 (in part): a container cannot reach host services that listen on 127.0.0.0/8 only (the
 * CVE-2020-8558 class: route_localnet on the bridge, which `-p 127.0.0.1:…` needs, would accept packets
 * a container routes to 127.0.0.1 through its gateway). The host listens for UDP on 127.0.0.1 (a Deno
 * datagram socket); a privileged container reroutes 127.0.0.1 through its gateway and sends datagrams
 * (busybox tftp's read request carries a name of our choosing).
 */
import { assertEquals, assertMatch, assertNotMatch } from "./helpers/assert.ts";
import { berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { freePort } from "./helpers/registry.ts";
import { runImages } from "./helpers/run_images.ts";

Deno.test("loopback: a container's packets to the host's 127.0.0.1 are dropped; replies and published ports still work", PROC, async () => {
  const { root, base } = await runImages();
  const port = freePort();
  const script = `const l = Deno.listenDatagram({ hostname: "127.0.0.1", port: ${port}, transport: "udp" });
    console.log("listening");
    for (;;) { const [d] = await l.receive(); console.log(new TextDecoder().decode(d)); }`;
  const listener = new Deno.Command(Deno.execPath(), { args: ["eval", "--unstable-net", script], stdout: "piped", stderr: "null" }).spawn();
  const out = listener.stdout.getReader();
  let got = new TextDecoder().decode((await out.read()).value); // "listening"
  const rest = (async () => {
    for (;;) {
      const { value, done } = await out.read();
      if (done) return;
      got += new TextDecoder().decode(value);
    }
  })();
  try {
    const send = [
      "gw=$(ip route | awk '/default/{print $3}')",
      "sysctl -qw net.ipv4.conf.all.route_localnet=1",
      "sysctl -qw net.ipv4.conf.eth0.route_localnet=1",
      "ip route del local 127.0.0.0/8 dev lo table local",
      "ip route del local 127.0.0.1 dev lo table local",
      "ip route add 127.0.0.1/32 via $gw dev eth0 onlink",
      `timeout 3 tftp -g -r berth-loopback-leak -l /tmp/x 127.0.0.1 ${port}`,
      "echo sent",
    ].join("; ");
    const r = await berth(root, ["run", "--rm", "--privileged", base, "sh", "-c", send]);
    assertEquals(r.stdout.trim().split("\n").pop(), "sent", r.stderr);
    await new Promise((res) => setTimeout(res, 500));
  } finally {
    listener.kill("SIGKILL");
    await rest;
    await listener.status;
  }
  assertMatch(got, /listening/);
  assertNotMatch(got, /berth-loopback-leak/);
});
