/**
 * A container's place on a bridge network, made before its process runs: a new network namespace
 * (unshared on the JS thread for an instant, or by a stub for an ordinary user: see net_host.ts; kept as an
 * fd), a veth pair whose far end is born in it
 * as `eth0`, the leased address, `lo` and `eth0` up, and the default route via the bridge. The init
 * stub then joins that namespace (setns) instead of making its own, so the container starts with its
 * network ready. The pair vanishes with the namespace when the container's last process exits.
 * Costs ~5 ms of a start (veth creation is most of it).
 */
import { randomHexId } from "../../util/random_id.ts";
import { closeFd, O_CLOEXEC, openFd } from "../../ffi/fd.ts";
import type { Netlink } from "../../ffi/netlink.ts";
import { netHost } from "./net_host.ts";
import { lease, release } from "./networks.ts";
import { publishPorts, unpublishPorts } from "./ports.ts";
import type { PortSpec } from "../spec.ts";

export interface EndpointState {
  network: string;
  ip: string;
  prefix: number;
  gateway: string;
  mac: string;
  bridge: string;
  /** the host end of the veth pair */
  veth: string;
  /** Docker's EndpointID (new at each attach) */
  endpointId?: string;
  /** published ports, with the host ports chosen */
  ports?: PortSpec[];
}

export interface Endpoint extends EndpointState {
  /** the container's network namespace (close it once the container's process has joined it) */
  netnsFd: number;
}

/** Docker's MAC scheme: 02:42 and the IPv4 address. */
function macFor(ip: string): Uint8Array {
  return new Uint8Array([0x02, 0x42, ...ip.split(".").map(Number)]);
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");

/** Leases an address on `network` and builds the container's namespace around it. */
export async function attachEndpoint(root: string, id: string, network: string, wantedIp?: string, ports: PortSpec[] = []): Promise<Endpoint> {
  const l = await lease(root, network, id, wantedIp);
  const where = await netHost(); // after the lease, which keeps a user's namespace from ending meanwhile
  const veth = `vb${id.slice(0, 11)}`;
  let ns: { fd: number; inner: Netlink } | undefined;
  try {
    ns = await where.newNetns();
    const mac = macFor(l.ip);
    const outer = where.netlink();
    try {
      const stale = outer.index(veth); // left by a container of this id whose namespace lives on
      if (stale) outer.deleteLink(stale);
      outer.createVeth(veth, "eth0", ns.fd, mac, l.network.mtu);
      outer.setMasterUp(outer.index(veth), outer.index(l.network.bridge));
    } finally {
      outer.close();
    }
    const { inner } = ns;
    try {
      inner.setUp(inner.index("lo"));
      const eth0 = inner.index("eth0");
      inner.addAddress(eth0, l.ip, l.prefix);
      inner.setUp(eth0);
      if (!l.network.internal) inner.addDefaultRoute(l.network.gateway); // an internal network leads nowhere
    } finally {
      inner.close();
    }
    const published = await publishPorts(id, l.ip, l.network.bridge, ports);
    return {
      network: l.network.name,
      ip: l.ip,
      prefix: l.prefix,
      gateway: l.network.gateway,
      mac: hex(mac),
      bridge: l.network.bridge,
      veth,
      endpointId: randomHexId(),
      ports: published.length ? published : undefined,
      netnsFd: ns.fd,
    };
  } catch (err) {
    if (ns) closeFd(ns.fd);
    if (ports.length) await unpublishPorts(id).catch(() => {});
    await release(root, network, id).catch(() => {});
    throw err;
  }
}

/**
 * `network connect`: running container `id` (its first process `pid`) gets an interface `ifname` on
 * `network`, with a leased address; its default route stays on its first network, as with Docker.
 */
export async function connectEndpoint(root: string, id: string, pid: number, network: string, ifname: string, ip?: string): Promise<EndpointState> {
  const l = await lease(root, network, id, ip);
  const where = await netHost();
  const veth = `vc${id.slice(0, 8)}${ifname.slice(3)}`.slice(0, 15);
  const nsFd = openFd(`/proc/${pid}/ns/net`, O_CLOEXEC);
  try {
    const mac = macFor(l.ip);
    const outer = where.netlink();
    try {
      outer.createVeth(veth, ifname, nsFd, mac, l.network.mtu);
      outer.setMasterUp(outer.index(veth), outer.index(l.network.bridge));
    } finally {
      outer.close();
    }
    const inner = await where.netlinkAt(`/proc/${pid}/ns/net`);
    try {
      const idx = inner.index(ifname);
      inner.addAddress(idx, l.ip, l.prefix);
      inner.setUp(idx);
    } finally {
      inner.close();
    }
    return { network: l.network.name, ip: l.ip, prefix: l.prefix, gateway: l.network.gateway, mac: hex(mac), bridge: l.network.bridge, veth, endpointId: randomHexId() };
  } catch (err) {
    await release(root, network, id).catch(() => {});
    throw err;
  } finally {
    closeFd(nsFd);
  }
}

/** `network disconnect` of a running container: its interface on that network goes, and the lease. */
export async function disconnectEndpoint(root: string, id: string, ep: EndpointState): Promise<void> {
  const outer = (await netHost()).netlink();
  try {
    const idx = outer.index(ep.veth); // deleting one end of a veth pair deletes both
    if (idx) outer.deleteLink(idx);
  } finally {
    outer.close();
  }
  await release(root, ep.network, id);
}

/**
 * After the container is gone: its ports and its address back. The veth goes with the namespace,
 * which the kernel tears down a little later on its own (deleting it here would wait for that).
 */
export async function detachEndpoint(root: string, id: string, ep: EndpointState): Promise<void> {
  if (ep.ports?.length) await unpublishPorts(id);
  await release(root, ep.network, id);
}
