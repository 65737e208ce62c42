/**
 * An ordinary user's container network: slirp4netns (Debian's package) gives the container's own network
 * namespace a tap0 with 10.0.2.100/24, a gateway 10.0.2.2 to the outside (the user's network, not the
 * host's loopback) and a DNS forwarder 10.0.2.3; published ports are its host forwards. Rootful berth's
 * bridge needs veths and iptables, which a user namespace cannot make on the host.
 *
 * The namespace is made by a stub that unshares it and sleeps (Deno cannot go back to the host's network
 * namespace from inside berth's user namespace), held by an fd of berth's once slirp4netns has configured
 * it; the container's stub joins it through that fd.
 *
 * @example
 * ```ts
 * const net = await startSlirp(id, [{ hostIp: "", hostPort: 8080, containerPort: 80, protocol: "tcp" }]);
 * await net.ready;
 * // … the container joins net.netns …
 * await net.stop();
 * ```
 */
import { debug } from "../../util/log.ts";
import { BerthError, messageOf } from "../../util/errors.ts";
import * as libc from "../../ffi/fd.ts";
import { spawnInit } from "../../runtime/spawn_init.ts";
import { SYS } from "../../runtime/init_program.ts";
import { CLONE_NEWNET } from "../../ffi/namespaces.ts";
import type { PortSpec } from "../spec.ts";
import { probeHostPort } from "./ports.ts";
import { rootlessUser, userPaths } from "../../rootless/paths.ts";

/** slirp4netns's fixed addresses */
export const SLIRP = { ip: "10.0.2.100", gateway: "10.0.2.2", dns: "10.0.2.3" };

export interface SlirpNetwork {
  /** the path the container's stub joins */
  netns: string;
  /** published ports with the host ports chosen (once `ready`) */
  ports: PortSpec[];
  /**
   * resolves when slirp4netns has configured the namespace and forwards the ports; rejects with why not. The
   * container may join the namespace before; its command must not run before (it could find no route).
   */
  ready: Promise<void>;
  /** once the container's process has joined: berth's fd of the namespace is closed */
  joined(): void;
  /** stops slirp4netns (the container has exited) */
  stop(): Promise<void>;
}

/** `id`: the container's (names the API socket in the user's runtime dir: a socket path must be short). */
export async function startSlirp(id: string, ports: PortSpec[]): Promise<SlirpNetwork> {
  checkTun();
  const sleeper = spawnInit(() => {}, {}, "inherit");
  sleeper.start((p) => {
    p.call("unshare the network namespace", SYS.unshare, [CLONE_NEWNET]);
    p.call("close the report pipe", SYS.close, [sleeper.reportFd]);
    p.sleepForever();
  });
  let nsFd = -1;
  let slirp: Deno.ChildProcess | undefined;
  const user = rootlessUser();
  const api = `${user ? userPaths(user).runtime : "/run"}/slirp-${id.slice(0, 12)}.sock`;
  try {
    await sleeper.ready;
    debug("slirp: namespace made");
    nsFd = libc.openFd(`/proc/${sleeper.pid}/ns/net`, libc.O_RDONLY | libc.O_CLOEXEC);
    slirp = spawnSlirp4netns(sleeper.pid, api, false);
    debug("slirp: slirp4netns spawned");
    const fd = nsFd;
    const proc = slirp;
    const net: SlirpNetwork = {
      netns: `/proc/${Deno.pid}/fd/${fd}`,
      ports: [],
      // slirp4netns configures the namespace while berth goes on with the container's setup
      ready: configured(sleeper.pid, proc).then(async () => {
        debug("slirp: configured");
        net.ports = await forwardPorts(api, ports);
      }).catch((err) => {
        throw err instanceof BerthError ? err : new BerthError(`rootless: slirp4netns: ${messageOf(err)}`);
      }).finally(() => sleeper.abort()), // slirp4netns has opened the namespace by its pid: berth's fd holds it now
      joined: () => {
        if (nsFd >= 0) libc.closeFd(nsFd);
        nsFd = -1;
      },
      stop: async () => {
        if (nsFd >= 0) libc.closeFd(nsFd);
        nsFd = -1;
        // SIGKILL: slirp4netns keeps nothing worth a clean exit, and a SIGTERM's costs ~25 ms of the
        // container's teardown; Deno reaps it (its status is not waited for here)
        try {
          proc.kill("SIGKILL");
        } catch { /* gone */ }
        proc.status.catch(() => {});
        await net.ready.catch(() => {});
        await Deno.remove(api).catch(() => {});
      },
    };
    net.ready.catch(() => {}); // awaited by the launch; a failure before then is its to report
    return net;
  } catch (err) {
    if (nsFd >= 0) libc.closeFd(nsFd);
    try {
      slirp?.kill("SIGKILL");
    } catch { /* gone */ }
    sleeper.abort();
    throw err instanceof BerthError ? err : new BerthError(`rootless: slirp4netns: ${messageOf(err)}`);
  }
}

/**
 * slirp4netns for the network namespace of process `pid`, its API socket at `api`. `detached`: it outlives this
 * command (the user's own namespace): its own session, so no Ctrl-C reaches it, and no stderr pipe, which would
 * end with this command and make its next warning its SIGPIPE; otherwise its stderr is kept to say why it failed.
 */
export function spawnSlirp4netns(pid: number, api: string, detached: boolean): Deno.ChildProcess {
  try {
    return new Deno.Command("slirp4netns", {
      args: ["--configure", "--mtu=65520", "--disable-host-loopback", "--api-socket", api, String(pid), "tap0"],
      stdin: "null",
      stdout: "null",
      stderr: detached ? "null" : "piped",
      detached,
    }).spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new BerthError("rootless: slirp4netns is missing: install Debian's slirp4netns package, or use --network none|host");
    throw err;
  }
}

/** Waits until the namespace has its default route (slirp4netns configured tap0); its error if it died. */
export async function configured(pid: number, slirp: Deno.ChildProcess): Promise<void> {
  let ended = false;
  const status = slirp.status.then((s) => (ended = true, s));
  const t0 = performance.now();
  // polled every 2 ms: slirp4netns is ready in 10–30 ms, and each poll is one small read
  for (const wait = 2; ;) {
    try {
      // /proc/PID/net is PID's network namespace: the default route is 00000000 on tap0
      if (/^tap0\s+00000000\s/m.test(Deno.readTextFileSync(`/proc/${pid}/net/route`))) return;
    } catch { /* not yet */ }
    if (ended) {
      const { code } = await status;
      let why = `exit code ${code}`;
      try {
        why = (await new Response(slirp.stderr).text()).trim().split("\n").pop() || why;
      } catch { /* its stderr is not berth's to read */ }
      throw new BerthError(`rootless: slirp4netns failed: ${why}`);
    }
    if (performance.now() - t0 > 5000) throw new BerthError("rootless: slirp4netns did not configure the network in 5 s");
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** `-p`: slirp4netns host forwards (checked free first, or one chosen, as for root's -p); the ports as published. */
async function forwardPorts(api: string, ports: PortSpec[]): Promise<PortSpec[]> {
  const out: PortSpec[] = [];
  for (const p of ports) {
    const hostPort = probeHostPort(p.protocol, p.hostIp, p.hostPort);
    await addHostForward(api, p.protocol, p.hostIp, hostPort, p.containerPort);
    out.push({ ...p, hostPort });
  }
  return out;
}

/** One host forward of the slirp4netns at `api`: HOSTIP:HOSTPORT on the host to GUESTPORT in its namespace. */
export async function addHostForward(api: string, proto: "tcp" | "udp", hostIp: string, hostPort: number, guestPort: number): Promise<void> {
  const reply = await slirpRequest(api, { execute: "add_hostfwd", arguments: { proto, host_addr: hostIp || "0.0.0.0", host_port: hostPort, guest_port: guestPort } });
  if (reply.error) throw new BerthError(`Bind for ${hostIp || "0.0.0.0"}:${hostPort} failed: ${reply.error.desc ?? "slirp4netns refused it"}`);
}

interface HostForward {
  id: number;
  proto: string;
  host_port: number;
  guest_port: number;
}

export interface SlirpReply {
  return?: { id?: number; entries?: HostForward[] };
  /** list_hostfwd's answer (slirp4netns 1.2 does not wrap it in `return`) */
  entries?: HostForward[];
  error?: { desc?: string };
}

/** One request to slirp4netns's API socket (one JSON object per connection) and its reply. */
export async function slirpRequest(api: string, req: Record<string, unknown>): Promise<SlirpReply> {
  const conn = await connectApi(api);
  try {
    await conn.write(new TextEncoder().encode(JSON.stringify(req)));
    await conn.closeWrite();
    return JSON.parse(await new Response(conn.readable).text()) as SlirpReply;
  } finally {
    try {
      conn.close();
    } catch { /* closed by the read */ }
  }
}

/** slirp4netns opens /dev/net/tun as berth's user: refused unless the device is open to everyone. */
export function checkTun(): void {
  try {
    Deno.openSync("/dev/net/tun", { read: true, write: true }).close();
  } catch (err) {
    if (err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotFound) {
      throw new BerthError("rootless: /dev/net/tun is not open to users, so slirp4netns cannot make the container's network: as root, chmod 0666 /dev/net/tun (Debian's default); or use --network none|host");
    }
  }
}

/** The API socket, once slirp4netns listens on it (it may come a moment after the route). */
async function connectApi(path: string): Promise<Deno.UnixConn> {
  for (let i = 0; ; i++) {
    try {
      return await Deno.connect({ transport: "unix", path });
    } catch (err) {
      if (i >= 250 || !(err instanceof Deno.errors.NotFound || err instanceof Deno.errors.ConnectionRefused)) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
