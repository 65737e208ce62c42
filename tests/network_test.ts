/**
 * Networking end to end, as root, with real bridges, veths and iptables rules — and only loopback
 * addresses and the containers' own namespaces as endpoints: the default bridge, published ports
 * reached by curl from the host, user networks with names and aliases, isolation between networks,
 * none/host/container: modes, the /etc files, and teardown (nothing left after rm, --rm or kill -9).
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth, BERTH, type BerthResult } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { removeNetworksSync, runImages } from "./helpers/run_images.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function b(args: string[], code = 0): Promise<BerthResult> {
  const { root } = await runImages();
  const r = await berth(root, args);
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r;
}

// deno-lint-ignore no-explicit-any
async function inspect(ref: string): Promise<Record<string, any>> {
  return JSON.parse((await b(["inspect", ref])).stdout)[0];
}

async function sh(cmd: string): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command("sh", { args: ["-c", cmd], stdout: "piped", stderr: "piped" }).output();
  return { code: r.code, out: new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr) };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Every container and network of the shared root goes, even when the test failed. */
function withCleanup(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } finally {
      const { root } = await runImages();
      const ids = (await berth(root, ["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
      if (ids.length) await berth(root, ["rm", "-f", ...ids]);
      removeNetworksSync(root);
    }
  };
}

async function natRules(): Promise<string[]> {
  return (await sh("iptables -w -t nat -S")).out.split("\n").filter((l) => l.includes("BERTH-DNAT") && l.includes("DNAT --to"));
}

const httpd = (text: string) => ["sh", "-c", `mkdir -p /www; echo ${text} > /www/index.html; exec httpd -f -p 80 -h /www`];

Deno.test("network: the default bridge — an address, a route, /etc/hosts, containers reach each other", PROC, withCleanup(async () => {
  const { base } = await runImages();
  const r = await b(["run", "--rm", base, "sh", "-c", "ip -4 -o addr show eth0; ip route; tail -1 /etc/hosts; hostname"]);
  const [addr, route, , hosts, hostname] = r.stdout.trim().split("\n");
  const ip = addr.match(/inet (\d+\.\d+\.\d+\.\d+)\/16/)?.[1];
  assert(ip, addr);
  assertMatch(route, /^default via \d+\.\d+\.0\.1 dev eth0/);
  assertEquals(hosts, `${ip}\t${hostname}`);

  await b(["run", "-d", "--name", "server", base, ...httpd("from-server")]);
  const info = await inspect("server");
  const ns = info.NetworkSettings;
  assertMatch(ns.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
  assertEquals([ns.IPPrefixLen, ns.Networks.bridge.IPAddress, info.HostConfig.NetworkMode], [16, ns.IPAddress, "bridge"]);
  assertMatch(ns.MacAddress, /^02:42:/);
  assertEquals(ns.Gateway, ns.IPAddress.replace(/\.\d+\.\d+$/, ".0.1"));
  await sleep(200);
  const got = await b(["run", "--rm", base, "wget", "-qO-", `http://${ns.IPAddress}/`]);
  assertEquals(got.stdout, "from-server\n");
  // the host reaches it over the bridge as well
  assertEquals((await sh(`curl -s --max-time 5 http://${ns.IPAddress}/`)).out, "from-server\n");
  const veth = (await sh("ip -o link")).out.split("\n").filter((l) => /: vb[0-9a-f]{11}@/.test(l));
  assertEquals(veth.length, 1, "one veth for the one running container");
}));

Deno.test("network: -p publishes to 127.0.0.1 (and a chosen address), -p CTRPORT picks a port, -P, a taken port is refused", PROC, withCleanup(async () => {
  const { base } = await runImages();
  const port = freePort();
  await b(["run", "-d", "--name", "pub", "-p", `${port}:80`, base, ...httpd("published")]);
  const row = (await b(["ps"])).stdout.split("\n").find((l) => l.includes(" pub"));
  assertMatch(row ?? "", new RegExp(`0\\.0\\.0\\.0:${port}->80/tcp\\s+pub$`));
  await sleep(200);
  assertEquals((await sh(`curl -s --max-time 5 http://127.0.0.1:${port}/`)).out, "published\n");
  // a container reaches it through the host's port too (hairpin)
  const gw = (await inspect("pub")).NetworkSettings.Gateway;
  assertEquals((await b(["run", "--rm", base, "wget", "-qO-", `http://${gw}:${port}/`])).stdout, "published\n");

  // a host address of its own, and a random host port
  await b(["run", "-d", "--name", "pub2", "-p", "127.0.0.2::80", "-p", "5353:53/udp", base, ...httpd("second")]);
  const ports = (await inspect("pub2")).NetworkSettings.Ports;
  const chosen = Number(ports["80/tcp"][0].HostPort);
  assertEquals(ports["80/tcp"][0].HostIp, "127.0.0.2");
  assert(chosen > 1024 && chosen !== port, `random port ${chosen}`);
  assertEquals(ports["53/udp"], [{ HostIp: "0.0.0.0", HostPort: "5353" }]);
  // berth port, as docker port prints it
  assertEquals((await b(["port", "pub2"])).stdout, `53/udp -> 0.0.0.0:5353\n80/tcp -> 127.0.0.2:${chosen}\n`);
  assertEquals((await b(["port", "pub2", "80"])).stdout, `127.0.0.2:${chosen}\n`);
  assertMatch((await b(["port", "pub2", "81"], 1)).stderr, /No public port '81\/tcp' published for pub2/);
  await sleep(200);
  assertEquals((await sh(`curl -s --max-time 5 http://127.0.0.2:${chosen}/`)).out, "second\n");
  const ip2 = (await inspect("pub2")).NetworkSettings.IPAddress;
  assert((await natRules()).some((l) => / -p udp .*--dport 5353 .*--to-destination (\S+):53/.test(l) && l.includes(`${ip2}:53`)), "a UDP DNAT rule");

  // taken: by another container, and by a program of the host
  const again = await b(["run", "--rm", "-p", `${port}:80`, base, "true"], 125);
  assertMatch(again.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`));
  const l = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  try {
    const busy = await b(["run", "--rm", "-p", `${(l.addr as Deno.NetAddr).port}:80`, base, "true"], 125);
    assertMatch(busy.stderr, /port is already allocated/);
  } finally {
    l.close();
  }
  assertMatch((await b(["run", "--rm", "-p", "99999:80", base, "true"], 125)).stderr, /invalid port format/);
  // -P: the image's EXPOSEd ports, each on a free host port
  const { exposed } = await runImages();
  await b(["run", "-d", "--name", "all", "-P", exposed, ...httpd("exposed")]);
  const all = (await inspect("all")).NetworkSettings.Ports["80/tcp"][0];
  await sleep(200);
  assertEquals((await sh(`curl -s --max-time 5 http://127.0.0.1:${all.HostPort}/`)).out, "exposed\n");
  assertMatch((await b(["run", "--rm", "--network", "none", "-p", "80", base, "true"], 125)).stderr, /conflicting options/);

  await b(["rm", "-f", "pub", "pub2", "all"]);
  assertEquals(await natRules(), [], "the port rules went with the containers");
  assertEquals((await sh(`curl -s --max-time 2 http://127.0.0.1:${port}/`)).code !== 0, true);
}));

Deno.test("network: user networks resolve names and aliases (also of later containers), and are isolated", PROC, withCleanup(async () => {
  const { base } = await runImages();
  const links = async () => (await sh("ip -o link")).out.split("\n").filter((l) => /: (berth\d+|vb[0-9a-f]{11})[:@]/.test(l)).map((l) => l.split(":")[1].trim()).sort();
  const before = await links();
  const id = (await b(["network", "create", "front"])).stdout.trim();
  assertMatch(id, /^[0-9a-f]{64}$/);
  await b(["network", "create", "--subnet", "10.211.0.0/24", "back"]);
  assertMatch((await b(["network", "create", "front"], 1)).stderr, /network with name front already exists/);
  assertMatch((await b(["network", "create", "--subnet", "10.211.0.0/25", "clash"], 125)).stderr, /overlaps with network back/);
  const ls = (await b(["network", "ls"])).stdout;
  for (const n of ["front", "back", "bridge", "host", "none"]) assertMatch(ls, new RegExp(`\\s${n}\\s`));

  await b(["run", "-d", "--name", "first", "--network", "front", "--network-alias", "db", base, "sleep", "60"]);
  await b(["run", "-d", "--name", "second", "--network", "front", base, ...httpd("on-front")]);
  await sleep(200);
  // the earlier container resolves the later one, by name; the later one the earlier, by alias
  assertEquals((await b(["exec", "first", "wget", "-qO-", "http://second/"])).stdout, "on-front\n");
  assertEquals((await b(["exec", "second", "ping", "-c1", "-W2", "db"])).code, 0);
  assertMatch((await b(["exec", "first", "cat", "/etc/hosts"])).stdout, /\tsecond [0-9a-f]{12}\n/);

  const other = await b(["run", "--rm", "--network", "back", "--ip", "10.211.0.50", base, "sh", "-c", "ip -4 -o addr show eth0; ping -c1 -W1 second; ping -c1 -W1 " +
    (await inspect("second")).NetworkSettings.IPAddress + " >/dev/null 2>&1 && echo reached || echo isolated"], 0);
  assertMatch(other.stdout, /inet 10\.211\.0\.50\/24/);
  assertMatch(other.stdout, /isolated\n$/);

  const net = JSON.parse((await b(["network", "inspect", "front"])).stdout)[0];
  assertEquals([net.Name, net.Id, net.Driver], ["front", id, "bridge"]);
  assertEquals(Object.values(net.Containers as Record<string, { Name: string }>).map((c) => c.Name).sort(), ["first", "second"]);
  assertMatch((await b(["network", "rm", "front"], 125)).stderr, /has active endpoints/);
  assertMatch((await b(["run", "--rm", "--network", "nope", base, "true"], 125)).stderr, /network nope not found/);
  assertMatch((await b(["run", "--rm", "--ip", "10.1.1.1", base, "true"], 125)).stderr, /user defined networks only/);

  await b(["rm", "-f", "first", "second"]);
  assertEquals((await b(["network", "rm", "front", "back"])).stdout, "front\nback\n");
  assertEquals(await links(), before, "their bridges went with them");
}));

Deno.test("network: none, host, container:NAME, --add-host and --dns", PROC, withCleanup(async () => {
  const { base } = await runImages();
  assertEquals((await b(["run", "--rm", "--network", "none", base, "sh", "-c", "ls /sys/class/net"])).stdout, "lo\n");
  const hostLinks = (await sh("ls /sys/class/net")).out;
  assertEquals((await b(["run", "--rm", "--network", "host", base, "ls", "/sys/class/net"])).stdout, hostLinks);
  await b(["run", "-d", "--name", "owner", base, ...httpd("shared")]);
  await sleep(200);
  // a container in owner's network namespace reaches owner's server on its loopback
  assertEquals((await b(["run", "--rm", "--network", "container:owner", base, "wget", "-qO-", "http://127.0.0.1/"])).stdout, "shared\n");
  const etc = await b(["run", "--rm", "--add-host", "db.local:10.9.9.9", "--dns", "10.0.0.53", base, "sh", "-c", "grep db.local /etc/hosts; cat /etc/resolv.conf"]);
  assertEquals(etc.stdout, "10.9.9.9\tdb.local\nnameserver 10.0.0.53\n");
  assertMatch((await b(["run", "--rm", "--add-host", "bad", base, "true"], 125)).stderr, /--add-host/);
}));

Deno.test("network: kill -9 of berth frees the address and the published port (the next command reconciles)", PROC, withCleanup(async () => {
  const { root, base } = await runImages();
  const port = freePort();
  const child = new Deno.Command(BERTH, {
    args: ["--root", root, "run", "--rm", "--name", "doomed", "-p", `${port}:80`, base, "sh", "-c", "echo up; sleep 60"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read(); // "up": it runs, with its port
  assert((await natRules()).some((l) => l.includes(`--dport ${port} `)), "the port is published");
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel();
  await sleep(300);
  await b(["ps", "-a"]); // reconciles
  assertEquals((await natRules()).filter((l) => l.includes(`--dport ${port} `)), []);
  const leases = JSON.parse((await b(["network", "inspect", "bridge"])).stdout)[0].Containers;
  assertEquals(leases, {});
  // the address is free again: the next container gets the network's first one
  const ip = (await b(["run", "--rm", base, "sh", "-c", "ip -4 -o addr show eth0"])).stdout;
  assertMatch(ip, /inet \d+\.\d+\.0\.2\//);
}));

Deno.test("network: connect and disconnect a running container (and a stopped one, at its next start)", PROC, withCleanup(async () => {
  const { base } = await runImages();
  await b(["network", "create", "left"]);
  await b(["network", "create", "right"]);
  await b(["run", "-d", "--name", "l1", "--network", "left", base, "sleep", "60"]);
  await b(["run", "-d", "--name", "r1", "--network", "right", base, "sleep", "60"]);
  assert((await b(["exec", "l1", "ping", "-c1", "-W1", "r1"], 1)).code === 1, "not connected yet");
  await b(["network", "connect", "right", "l1"]);
  assertMatch((await b(["exec", "l1", "ip", "-4", "-o", "addr", "show", "eth1"])).stdout, /inet \d+\.\d+\.\d+\.\d+\//);
  await b(["exec", "l1", "ping", "-c1", "-W2", "r1"]);
  await b(["exec", "r1", "ping", "-c1", "-W2", "l1"]); // the earlier container learns the new member's name
  const nets = (await inspect("l1")).NetworkSettings.Networks;
  assertEquals(Object.keys(nets).sort(), ["left", "right"]);
  assertMatch((await b(["network", "connect", "right", "l1"], 1)).stderr, /already exists in network right/);
  await b(["network", "disconnect", "right", "l1"]);
  assertEquals((await b(["exec", "l1", "ls", "/sys/class/net"])).stdout, "eth0\nlo\n");
  // a stopped container joins at its next start
  await b(["stop", "-t", "0", "l1"]);
  await b(["network", "connect", "right", "l1"]);
  await b(["start", "l1"]);
  assertEquals((await b(["exec", "l1", "ls", "/sys/class/net"])).stdout, "eth0\neth1\nlo\n");
  await b(["rm", "-f", "l1", "r1"]);
  assertEquals((await b(["network", "rm", "left", "right"])).stdout, "left\nright\n");
}));

Deno.test("network: concurrent starts on a new network get distinct addresses (IPAM under its lock)", PROC, withCleanup(async () => {
  const { root, base } = await runImages();
  await b(["network", "create", "busy"]);
  const starts = await Promise.all(Array.from({ length: 6 }, (_, i) => berth(root, ["run", "-d", "--name", `par${i}`, "--network", "busy", base, "sleep", "60"])));
  for (const s of starts) assertEquals(s.code, 0, s.stderr);
  const ips = await Promise.all(Array.from({ length: 6 }, async (_, i) => (await inspect(`par${i}`)).NetworkSettings.IPAddress as string));
  assertEquals(new Set(ips).size, 6, ips.join(" "));
  // and they all reach each other by name
  assertEquals((await b(["exec", "par0", "ping", "-c1", "-W2", "par5"])).code, 0);
  await b(["rm", "-f", ...Array.from({ length: 6 }, (_, i) => `par${i}`)]);
  assertEquals(JSON.parse((await b(["network", "inspect", "busy"])).stdout)[0].Containers, {});
  // the default network made by whichever of several concurrent starts comes first, once
  await berth(root, ["network", "rm", "bridge"]);
  const defaults = await Promise.all(Array.from({ length: 4 }, (_, i) => berth(root, ["run", "-d", "--name", `def${i}`, base, "sleep", "60"])));
  for (const s of defaults) assertEquals(s.code, 0, s.stderr);
  const dips = await Promise.all(Array.from({ length: 4 }, async (_, i) => (await inspect(`def${i}`)).NetworkSettings.IPAddress as string));
  assertEquals(new Set(dips).size, 4, dips.join(" "));
  assertEquals((await b(["network", "ls", "-q"])).stdout.trim().split("\n").length, 2, "busy and one bridge");
}));
