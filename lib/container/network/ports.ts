/**
 * Published ports (`-p`, `-P`) as DNAT rules, the way Docker does it without its userland proxy:
 * berth's BERTH-DNAT chain (jumped to from PREROUTING and OUTPUT for local destinations) sends
 * HOSTPORT to the container's address; `route_localnet` on the bridge plus a masquerade rule (see
 * networks.ts) make 127.0.0.1 work; a hairpin rule lets the container reach itself through the
 * host's port. No process sits in the data path, so a published port is as fast as the bridge.
 *
 * A host port that is taken — bound by a program of the host, or published by another container — is
 * refused before the container starts.
 */
import { BerthError, ConflictError, UsageError } from "../../util/errors.ts";
import { errno, trySys } from "../../ffi/sys.ts";
import type { PortSpec } from "../spec.ts";
import { addRules, listRules, publishedPorts, removeRules, type Rule } from "./iptables.ts";
import { netHost } from "./net_host.ts";
import { addHostForward, slirpRequest } from "./slirp.ts";

/** `[HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp]`; a range is not supported. */
export function parsePublish(s: string): PortSpec {
  const [addr, proto = "tcp"] = s.split("/");
  if (proto !== "tcp" && proto !== "udp") throw new UsageError(`invalid proto: ${proto}`);
  const parts = addr.split(":");
  if (parts.length > 3) throw new UsageError(`invalid port format for --publish: ${s}`);
  const [hostIp, hostPort, ctrPort] = parts.length === 3 ? parts : parts.length === 2 ? ["", parts[0], parts[1]] : ["", "", parts[0]];
  const port = (p: string, zeroOk: boolean) => {
    const n = p === "" && zeroOk ? 0 : Number(p);
    if (!Number.isInteger(n) || n < (zeroOk ? 0 : 1) || n > 65535) throw new UsageError(`invalid port format for --publish: ${s}`);
    return n;
  };
  if (hostIp && !/^\d+\.\d+\.\d+\.\d+$/.test(hostIp)) throw new UsageError(`invalid IP address in --publish: ${hostIp}`);
  return { hostIp: hostIp === "0.0.0.0" ? "" : hostIp, hostPort: port(hostPort, true), containerPort: port(ctrPort, false), protocol: proto };
}

/** `--expose 80`, `--expose 53/udp`, `--expose 8000-8010`: the ports as "80/tcp" keys. */
export function parseExpose(s: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(s);
  const a = Number(m?.[1]), b = Number(m?.[2] ?? m?.[1]);
  if (!m || a < 1 || b > 65535 || b < a) throw new UsageError(`invalid argument "${s}" for "--expose" flag: expected PORT[-PORT][/PROTO]`);
  return Array.from({ length: b - a + 1 }, (_, i) => `${a + i}/${m[3] ?? "tcp"}`);
}

/** The image's ExposedPorts ("80/tcp": {}) as `-P` publishes them: each on a free host port. */
export function publishAll(exposed: Record<string, unknown> | undefined): PortSpec[] {
  return Object.keys(exposed ?? {}).map((k) => parsePublish(k.includes("/") ? k : `${k}/tcp`));
}

/**
 * Binds (and closes) a socket on `ip:port` — 0: any free port — and returns the port; throws when
 * something of the host holds it.
 */
export function probeHostPort(protocol: "tcp" | "udp", ip: string, port: number): number {
  const fd = trySys(41 /* socket */, 2 /* AF_INET */, (protocol === "tcp" ? 1 : 2) | 0o2000000, 0);
  if (fd < 0) throw new BerthError(`socket: errno ${errno()}`);
  try {
    const sa = new Uint8Array(16);
    const v = new DataView(sa.buffer);
    v.setUint16(0, 2, true);
    v.setUint16(2, port, false);
    sa.set((ip || "0.0.0.0").split(".").map(Number), 4);
    if (trySys(49 /* bind */, fd, sa, 16) < 0) {
      const e = errno();
      throw new BerthError(
        e === 98
          ? `Bind for ${ip || "0.0.0.0"}:${port} failed: port is already allocated`
          : `cannot publish ${ip || "0.0.0.0"}:${port}/${protocol}: errno ${e}`,
      );
    }
    trySys(51 /* getsockname */, fd, sa, new Uint8Array(new Uint32Array([16]).buffer));
    return v.getUint16(2, false);
  } finally {
    trySys(3 /* close */, fd);
  }
}

export const portsTag = (id: string) => `berth:ctr:${id.slice(0, 12)}`;

/**
 * Publishes `ports` for container `id` at `ip` on `bridge`; returns them with the host ports chosen.
 * Refuses a port that the host or another container holds, before any rule is added.
 */
export async function publishPorts(id: string, ip: string, bridge: string, ports: PortSpec[]): Promise<PortSpec[]> {
  if (!ports.length) return [];
  const where = await netHost();
  const chosen = ports.map((p) => ({ ...p, hostPort: probeHostPort(p.protocol, p.hostIp, p.hostPort) }));
  const rules: Rule[] = [];
  for (const p of chosen) {
    const proto = ["-p", p.protocol];
    // a user's: slirp4netns listens on the host's address and delivers to the namespace's own on the same port
    const to = where.user ? [] : p.hostIp ? ["-d", p.hostIp] : [];
    rules.push(
      { table: "nat", chain: "BERTH-DNAT", spec: [...to, ...proto, "--dport", String(p.hostPort), "-j", "DNAT", "--to-destination", `${ip}:${p.containerPort}`] },
      { table: "nat", chain: "BERTH-POSTROUTING", spec: ["-s", ip, "-d", ip, ...proto, "--dport", String(p.containerPort), "-j", "MASQUERADE"] },
      { table: "filter", chain: "BERTH-FORWARD", spec: ["-d", ip, "-o", bridge, ...proto, "--dport", String(p.containerPort), "-j", "ACCEPT"] },
    );
  }
  await addRules(portsTag(id), rules, "publish ports", (existing) => {
    const taken = publishedPorts(existing);
    for (const p of chosen) {
      if (taken.has(`${p.protocol}/${p.hostPort}`)) {
        throw new ConflictError(`Bind for ${p.hostIp || "0.0.0.0"}:${p.hostPort} failed: port is already allocated (by another container)`);
      }
    }
    if (new Set(chosen.map((p) => `${p.protocol}/${p.hostPort}`)).size !== chosen.length) throw new BerthError("a host port is published twice");
  });
  if (where.user) {
    try {
      for (const p of chosen) await addHostForward(where.user.api, p.protocol, p.hostIp, p.hostPort, p.hostPort);
    } catch (err) {
      await unpublishPorts(id).catch(() => {});
      throw err;
    }
  }
  return chosen;
}

export async function unpublishPorts(id: string): Promise<void> {
  const where = await netHost();
  if (where.user) {
    // the host forwards of the container's DNAT rules (the rules say which ports: they outlive a crash of berth)
    const ports = new Set((await listRules(portsTag(id))).nat.map((l) => l.match(/^-A BERTH-DNAT .*-p (tcp|udp) .*--dport (\d+)/)).filter((m) => !!m).map((m) => `${m[1]}/${m[2]}`));
    if (ports.size) {
      const listed = await slirpRequest(where.user.api, { execute: "list_hostfwd" });
      for (const e of listed.entries ?? listed.return?.entries ?? []) {
        if (ports.has(`${e.proto}/${e.guest_port}`)) await slirpRequest(where.user.api, { execute: "remove_hostfwd", arguments: { id: e.id } });
      }
    }
  }
  await removeRules(portsTag(id));
}

/** Docker's PORTS column: "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp". */
export function portsText(ports: PortSpec[] | undefined): string {
  return (ports ?? []).map((p) => `${p.hostIp || "0.0.0.0"}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(", ");
}
