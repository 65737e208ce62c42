/**
 * Bridge networks: `ROOT/networks/NAME.json` (name, id, subnet, gateway, bridge), a Linux bridge per
 * network, berth's own IPAM, and the rules that give a network NAT to the outside and keep it apart
 * from every other berth network.
 *
 * - `bridge` is the default network: made on first use with a free private /16 (10.88.0.0/16, or the
 *   next one no host route uses) and kept, as docker0 is (making it costs ~100 ms of iptables); unlike
 *   Docker's, `network rm bridge` removes it while no container runs on it (it comes back when needed).
 *   User networks (`network create`) stay until `network rm`. The last network's removal also removes
 *   berth's iptables chains: the host is as it was.
 * - Leases are files `ROOT/networks/NAME.leases/IP` (a symlink to the container's id), created with
 *   O_EXCL semantics (symlink), so two concurrent starts never get one address; a lease whose
 *   container is gone is taken back.
 * - All of it happens under `ROOT/networks/.lock`.
 */
import { randomHexId } from "../../util/random_id.ts";
import { join } from "../../util/path.ts";
import { MAX_NAME, shortened } from "../state.ts";
import { BerthError, ConflictError, InvalidArgumentError, NotFoundError } from "../../util/errors.ts";
import { withLock, withLockSync } from "../../util/lock.ts";
import { readJsonSync, tempNameFor } from "../../util/atomic_write.ts";
import type { Netlink } from "../../ffi/netlink.ts";
import { statLite } from "../../ffi/sys.ts";
import { addRules, pruneChains, removeRules, type Rule } from "./iptables.ts";
import { netHost, preparedNetHost } from "./net_host.ts";
import { stopUserNetns, USER_NETNS } from "../../rootless/network.ts";
import { rootlessUser } from "../../rootless/paths.ts";

export const DEFAULT_NETWORK = "bridge";

export interface NetworkRecord {
  name: string;
  id: string;
  driver: "bridge";
  /** e.g. 10.88.0.0/16 */
  subnet: string;
  gateway: string;
  bridge: string;
  created: string;
  /** made by berth for the default network: removed with its last container */
  auto?: boolean;
  /** `network create --label` */
  labels?: Record<string, string>;
  /** `--internal`: no traffic to or from outside the network (no NAT, no default route) */
  internal?: boolean;
  /** `--ip-range`: the part of the subnet containers' addresses are taken from (an `--ip` may be anywhere) */
  ipRange?: string;
  /** `--opt`s as given (Docker's bridge options; see {@link parseBridgeOptions}) */
  options?: Record<string, string>;
  mtu?: number;
  /** com.docker.network.bridge.enable_ip_masquerade=false */
  noMasquerade?: boolean;
  /** com.docker.network.bridge.enable_icc=false: containers of the network cannot reach each other */
  noIcc?: boolean;
}

/** What `network create` takes beyond the name. */
export interface NetworkOptions {
  subnet?: string;
  gateway?: string;
  labels?: Record<string, string>;
  internal?: boolean;
  ipRange?: string;
  /** `-o KEY=VALUE`: com.docker.network.bridge.name, …driver.mtu, …bridge.enable_ip_masquerade, …bridge.enable_icc */
  options?: Record<string, string>;
}

const BRIDGE_NAME = "com.docker.network.bridge.name";
const BOOL = (k: string, v: string) => {
  if (v !== "true" && v !== "false") throw new BerthError(`invalid value for ${k}: ${v} (true or false)`);
  return v === "true";
};

/** Docker's bridge driver options, checked; an option berth does not implement is refused, not ignored. */
export function parseBridgeOptions(options: Record<string, string>): Pick<NetworkRecord, "mtu" | "noMasquerade" | "noIcc"> & { bridge?: string } {
  const out: ReturnType<typeof parseBridgeOptions> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === BRIDGE_NAME) {
      if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(v)) throw new BerthError(`invalid bridge name ${JSON.stringify(v)}: 1 to 15 of [a-zA-Z0-9_.-]`);
      out.bridge = v;
    } else if (k === "com.docker.network.driver.mtu") {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 68 || n > 65535) throw new BerthError(`invalid MTU ${v}: 68 to 65535`);
      out.mtu = n;
    } else if (k === "com.docker.network.bridge.enable_ip_masquerade") out.noMasquerade = !BOOL(k, v);
    else if (k === "com.docker.network.bridge.enable_icc") out.noIcc = !BOOL(k, v);
    else {
      throw new BerthError(`network option ${k} is not supported (berth's bridge takes ${BRIDGE_NAME}, com.docker.network.driver.mtu, com.docker.network.bridge.enable_ip_masquerade, com.docker.network.bridge.enable_icc)`);
    }
  }
  return out;
}

export function networksDir(root: string): string {
  return join(root, "networks");
}

const recordPath = (root: string, name: string) => join(networksDir(root), `${name}.json`);
const leaseDir = (root: string, name: string) => join(networksDir(root), `${name}.leases`);

/** The network's record; undefined when there is none; a corrupt one is an error naming its file. */
export function readNetwork(root: string, name: string): NetworkRecord | undefined {
  const path = recordPath(root, name);
  const n = readJsonSync<NetworkRecord | undefined>(path, undefined);
  if (n !== undefined && (!n || typeof n !== "object" || typeof n.name !== "string" || typeof n.subnet !== "string")) {
    throw new BerthError(`${path} is corrupt (not a network record); move it away or restore it`);
  }
  return n;
}

export function listNetworks(root: string): NetworkRecord[] {
  let names: string[];
  try {
    names = [...Deno.readDirSync(networksDir(root))].filter((e) => e.name.endsWith(".json") && !e.name.includes(".tmp-"))
      .map((e) => e.name.slice(0, -5));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return names.map((n) => readNetwork(root, n)).filter((n): n is NetworkRecord => !!n).sort((a, b) => a.name.localeCompare(b.name));
}

/** A network by name, full or short id. */
export function findNetwork(root: string, ref: string): NetworkRecord | undefined {
  const all = listNetworks(root);
  return all.find((n) => n.name === ref) ?? (/^[0-9a-f]{3,64}$/.test(ref) ? all.find((n) => n.id.startsWith(ref)) : undefined);
}

function writeNetwork(root: string, rec: NetworkRecord): void {
  const path = recordPath(root, rec.name);
  const tmp = tempNameFor(path);
  Deno.writeTextFileSync(tmp, JSON.stringify(rec, null, 2));
  Deno.renameSync(tmp, path);
}

/** holders of (or waiters for) the network lock in this process: the synchronous fast path must not block on them */
let inProcess = 0;

export async function withNetworkLock<T>(root: string, fn: () => Promise<T> | T): Promise<T> {
  Deno.mkdirSync(networksDir(root), { recursive: true, mode: 0o700 });
  inProcess++;
  try {
    return await withLock(join(networksDir(root), ".lock"), async () => {
      // an ordinary user's networks are in their own namespace: found (or made) under the lock, which its end
      // (removeLocked) holds too
      await netHost();
      return await fn();
    });
  } finally {
    inProcess--;
  }
}

// --- addresses -------------------------------------------------------------------------------

export function ipToInt(ip: string): number {
  const p = ip.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new BerthError(`invalid IP address: ${ip}`);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function parseSubnet(s: string): { base: number; prefix: number } {
  const m = s.match(/^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/);
  if (!m) throw new BerthError(`invalid subnet ${s}: expected CIDR, e.g. 10.90.0.0/16`);
  const prefix = Number(m[2]);
  if (prefix < 8 || prefix > 30) throw new BerthError(`invalid subnet ${s}: the prefix must be /8 to /30`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ipToInt(m[1]) & mask) >>> 0, prefix };
}

/** `--ip-range`: a CIDR of any prefix from /8 to /32. */
function parseRange(s: string): { base: number; prefix: number } {
  const m = s.match(/^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/);
  const prefix = Number(m?.[2]);
  if (!m || prefix < 8 || prefix > 32) throw new BerthError(`invalid ip range ${s}: expected CIDR, e.g. 10.90.0.128/25`);
  const mask = prefix === 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ipToInt(m[1]) & mask) >>> 0, prefix };
}

const overlaps = (a: { base: number; prefix: number }, b: { base: number; prefix: number }) => {
  const p = Math.min(a.prefix, b.prefix);
  const mask = (0xffffffff << (32 - p)) >>> 0;
  return ((a.base & mask) >>> 0) === ((b.base & mask) >>> 0);
};

/** IPv4 routes of the host (every network any interface is on, other berth roots' bridges too). */
function hostRoutes(): Array<{ base: number; prefix: number }> {
  const out = [];
  try {
    for (const l of Deno.readTextFileSync("/proc/net/route").split("\n").slice(1)) {
      const f = l.trim().split(/\s+/);
      if (f.length < 8) continue;
      const le = (h: string) => {
        const n = parseInt(h, 16);
        return (((n & 255) << 24) | (((n >>> 8) & 255) << 16) | (((n >>> 16) & 255) << 8) | (n >>> 24)) >>> 0;
      };
      const mask = le(f[7]);
      if (mask === 0) continue; // the default route
      out.push({ base: le(f[1]), prefix: Math.clz32(~mask >>> 0) }); // the mask's leading ones
    }
  } catch { /* no procfs */ }
  return out;
}

/** Networks a new one must not overlap: the host's routes, and for a user slirp4netns's network as well. */
function takenRoutes(): Array<{ base: number; prefix: number; what: string }> {
  const routes = hostRoutes().map((r) => ({ ...r, what: "a route of the host" }));
  if (preparedNetHost().user) routes.push({ ...parseSubnet(USER_NETNS.subnet), what: "slirp4netns's network" });
  return routes;
}

function freeSubnet(root: string): string {
  const taken = [...takenRoutes(), ...listNetworks(root).map((n) => parseSubnet(n.subnet))];
  const candidates: string[] = [];
  for (let b = 88; b < 256; b++) candidates.push(`10.${b}.0.0/16`);
  for (let b = 17; b < 32; b++) candidates.push(`172.${b}.0.0/16`);
  for (const c of candidates) if (!taken.some((t) => overlaps(t, parseSubnet(c)))) return c;
  throw new BerthError("no free private /16 for a network: give one with --subnet");
}

function freeBridgeName(nl: Netlink, root: string): string {
  const used = new Set(listNetworks(root).map((n) => n.bridge));
  for (let i = 0; i < 1000; i++) {
    const name = `berth${i}`;
    if (!used.has(name) && !nl.index(name)) return name;
  }
  throw new BerthError("no free bridge name berth0…berth999");
}

// --- the network on the host -------------------------------------------------------------------

const tagOf = (n: NetworkRecord) => `berth:net:${n.id.slice(0, 12)}`;

/** NAT to the outside, forwarding within the network and out of it, nothing to other berth networks. */
function networkRules(n: NetworkRecord): Rule[] {
  const br = n.bridge;
  return [
    // route_localnet (below) lets the host's 127.0.0.1 reach published ports; it would also let a container
    // send to services the host keeps on 127.0.0.0/8 (CVE-2020-8558): drop what comes from the bridge to
    // 127/8 unless it is a reply or was DNAT'd, as kube-proxy and Docker 28 do
    { table: "filter", chain: "BERTH-INPUT", spec: ["-i", br, "-d", "127.0.0.0/8", "-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED,DNAT", "-j", "DROP"] },
    { table: "filter", chain: "BERTH-FORWARD", spec: ["-i", br, "-o", br, "-j", n.noIcc ? "DROP" : "ACCEPT"] },
    // an internal network: nothing in or out but between its own containers
    ...(n.internal
      ? [
        { table: "filter", chain: "BERTH-FORWARD", spec: ["-i", br, "-j", "DROP"] },
        { table: "filter", chain: "BERTH-FORWARD", spec: ["-o", br, "-j", "DROP"] },
      ]
      : [
        { table: "filter", chain: "BERTH-FORWARD", spec: ["-i", br, "-o", "berth+", "-j", "DROP"] },
        { table: "filter", chain: "BERTH-FORWARD", spec: ["-i", br, "-j", "ACCEPT"] },
        { table: "filter", chain: "BERTH-FORWARD", spec: ["-o", br, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"] },
        ...(n.noMasquerade ? [] : [{ table: "nat", chain: "BERTH-POSTROUTING", spec: ["-s", n.subnet, "!", "-o", br, "-j", "MASQUERADE"] }]),
        // published ports reached from the host's 127.0.0.1 (route_localnet below) leave with the bridge's address
        { table: "nat", chain: "BERTH-POSTROUTING", spec: ["-s", "127.0.0.0/8", "-o", br, "-j", "MASQUERADE"] },
      ]),
  ] as Rule[];
}

function sysctl(path: string, value: string): void {
  try {
    if (Deno.readTextFileSync(path).trim() !== value) Deno.writeTextFileSync(path, value);
  } catch (err) {
    throw new BerthError(`cannot set ${path.replace("/proc/sys/", "").replaceAll("/", ".")}=${value}: ${(err as Error).message}`);
  }
}

async function bringUp(n: NetworkRecord): Promise<void> {
  const where = await netHost();
  const nl = where.netlink();
  try {
    if (!nl.index(n.bridge)) {
      nl.createBridge(n.bridge);
      const idx = nl.index(n.bridge);
      if (n.mtu) nl.setMtu(idx, n.mtu);
      nl.addAddress(idx, n.gateway, parseSubnet(n.subnet).prefix);
      nl.setUp(idx);
    }
  } finally {
    nl.close();
  }
  // (a user's namespace forwards from its making on, and its published ports arrive on tap0, not on 127.0.0.1)
  if (!where.user) {
    sysctl("/proc/sys/net/ipv4/ip_forward", "1"); // as Docker does: containers reach the outside
    sysctl(`/proc/sys/net/ipv4/conf/${n.bridge}/route_localnet`, "1");
  }
  await removeRules(tagOf(n));
  await addRules(tagOf(n), networkRules(n), `network ${n.name}`);
}

async function bringDown(n: NetworkRecord): Promise<void> {
  await removeRules(tagOf(n));
  await pruneChains();
  const nl = (await netHost()).netlink();
  try {
    const idx = nl.index(n.bridge);
    if (idx) nl.deleteLink(idx);
  } finally {
    nl.close();
  }
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const newId = randomHexId;

/** `network create [--subnet CIDR] [--gateway IP] NAME` */
export async function createNetwork(root: string, name: string, opts: NetworkOptions = {}): Promise<NetworkRecord> {
  if (!NAME.test(name)) throw new BerthError(`invalid network name ${JSON.stringify(shortened(name))}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (name.length > MAX_NAME) throw new BerthError(`invalid network name ${JSON.stringify(shortened(name))}: at most ${MAX_NAME} characters`);
  // the predefined networks exist whether or not the root has used them yet (Docker's answer)
  if (["none", "host", DEFAULT_NETWORK].includes(name)) throw new ConflictError(`network with name ${name} already exists`);
  if (name === "default") throw new InvalidArgumentError(`network name ${name} is reserved`);
  return await withNetworkLock(root, async () => {
    if (readNetwork(root, name)) throw new ConflictError(`network with name ${name} already exists`);
    return await createLocked(root, name, opts, false);
  });
}

async function createLocked(root: string, name: string, opts: NetworkOptions, auto: boolean): Promise<NetworkRecord> {
  const bridgeOpts = parseBridgeOptions(opts.options ?? {});
  if (opts.ipRange && !opts.subnet) throw new BerthError("--ip-range needs --subnet (the range is a part of it)");
  let subnet = opts.subnet;
  if (subnet) {
    const s = parseSubnet(subnet);
    subnet = `${intToIp(s.base)}/${s.prefix}`;
    const clash = [...listNetworks(root).map((n) => ({ ...parseSubnet(n.subnet), what: `network ${n.name}` })), ...takenRoutes()]
      .find((t) => overlaps(t, s));
    if (clash) throw new BerthError(`subnet ${subnet} overlaps with ${clash.what}`);
  } else subnet = freeSubnet(root);
  const s = parseSubnet(subnet);
  const gateway = opts.gateway ?? intToIp(s.base + 1);
  if (!overlaps({ base: ipToInt(gateway), prefix: 32 }, s)) throw new BerthError(`gateway ${gateway} is not in subnet ${subnet}`);
  let ipRange: string | undefined;
  if (opts.ipRange) {
    const r = parseRange(opts.ipRange);
    ipRange = `${intToIp(r.base)}/${r.prefix}`;
    if (r.prefix < s.prefix || !overlaps(r, s)) throw new BerthError(`ip range ${opts.ipRange} is not within subnet ${subnet}`);
  }
  const nl = preparedNetHost().netlink();
  let bridge;
  try {
    if (bridgeOpts.bridge && (nl.index(bridgeOpts.bridge) || listNetworks(root).some((n) => n.bridge === bridgeOpts.bridge))) {
      throw new ConflictError(`bridge name ${bridgeOpts.bridge} is in use on this host`);
    }
    bridge = bridgeOpts.bridge ?? freeBridgeName(nl, root);
  } finally {
    nl.close();
  }
  const rec: NetworkRecord = {
    name,
    id: newId(),
    driver: "bridge",
    subnet,
    gateway,
    bridge,
    created: new Date().toISOString(),
    auto: auto || undefined,
    labels: opts.labels,
    internal: opts.internal || undefined,
    ipRange,
    options: opts.options && Object.keys(opts.options).length ? opts.options : undefined,
    mtu: bridgeOpts.mtu,
    noMasquerade: bridgeOpts.noMasquerade || undefined,
    noIcc: bridgeOpts.noIcc || undefined,
  };
  Deno.mkdirSync(leaseDir(root, name), { recursive: true, mode: 0o700 });
  try {
    await bringUp(rec);
  } catch (err) {
    await bringDown(rec).catch(() => {});
    Deno.removeSync(leaseDir(root, name), { recursive: true });
    throw err;
  }
  writeNetwork(root, rec);
  return rec;
}

/** Containers that hold a lease on the network: IP → container id. */
export function networkLeases(root: string, name: string): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const e of Deno.readDirSync(leaseDir(root, name))) {
      try {
        out.set(e.name, Deno.readLinkSync(join(leaseDir(root, name), e.name)));
      } catch { /* racing removal */ }
    }
  } catch { /* none */ }
  return out;
}

const containerExists = (root: string, id: string) => statLite(join(root, "containers", id)) !== null;

/** `network rm NAME`: refused while containers use it. */
export async function removeNetwork(root: string, ref: string): Promise<string> {
  return await withNetworkLock(root, async () => {
    const n = findNetwork(root, ref);
    if (!n) throw new NotFoundError(`network ${ref} not found`);
    const users = [...networkLeases(root, n.name).values()].filter((id) => containerExists(root, id));
    if (users.length) throw new BerthError(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
    await removeLocked(root, n);
    return n.name;
  });
}

async function removeLocked(root: string, n: NetworkRecord): Promise<void> {
  await bringDown(n);
  Deno.removeSync(recordPath(root, n.name));
  try {
    Deno.removeSync(leaseDir(root, n.name), { recursive: true });
  } catch { /* gone */ }
  // an ordinary user's last network: their network namespace and its slirp4netns go too
  const user = rootlessUser();
  if (user && !listNetworks(root).length) await stopUserNetns(user);
}

export interface Lease {
  network: NetworkRecord;
  ip: string;
  prefix: number;
}

/**
 * An address on network `name` for container `id` (`wanted`, or the lowest free one), the network
 * made first if it is the default one and missing, its bridge and rules restored if the host lost
 * them (a reboot). Caller holds no lock.
 */
export async function lease(root: string, name: string, id: string, wanted?: string): Promise<Lease> {
  // the common case — the network and its bridge are there — under a synchronous lock: no thread-pool
  // round trips on a container's start-up path. Not while this process holds or awaits the lock
  // already (the supervisor starts containers side by side): blocking the JS thread on it would deadlock.
  await netHost();
  Deno.mkdirSync(networksDir(root), { recursive: true, mode: 0o700 });
  const fast = inProcess > 0 ? undefined : withLockSync(join(networksDir(root), ".lock"), () => {
    const n = readNetwork(root, name);
    if (!n || !bridgePresent(n)) return undefined;
    return takeAddress(root, n, id, wanted);
  });
  if (fast) return fast;
  return await withNetworkLock(root, async () => {
    let n = readNetwork(root, name);
    if (!n) {
      if (name !== DEFAULT_NETWORK) throw new NotFoundError(`network ${name} not found`);
      n = await createLocked(root, name, {}, true);
    } else if (!bridgePresent(n)) await bringUp(n);
    return takeAddress(root, n, id, wanted);
  });
}

function bridgePresent(n: NetworkRecord): boolean {
  const nl = preparedNetHost().netlink();
  try {
    return nl.index(n.bridge) > 0;
  } finally {
    nl.close();
  }
}

/** Takes `wanted` or the lowest free address of `n` for `id`; the network lock is held. */
function takeAddress(root: string, n: NetworkRecord, id: string, wanted?: string): Lease {
  const s = parseSubnet(n.subnet);
  const dir = leaseDir(root, n.name);
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const take = (ip: string): boolean => {
    // looked at first (no exception for a taken address: they cost milliseconds in Deno); the lock is held
    if (!statLite(join(dir, ip), false)) {
      Deno.symlinkSync(id, join(dir, ip));
      return true;
    }
    const owner = Deno.readLinkSync(join(dir, ip));
    if (owner === id || !containerExists(root, owner)) {
      Deno.removeSync(join(dir, ip));
      Deno.symlinkSync(id, join(dir, ip));
      return true;
    }
    return false;
  };
  const size = 2 ** (32 - s.prefix);
  const gw = ipToInt(n.gateway);
  if (wanted) {
    checkAddress(n, wanted);
    if (!take(wanted)) throw new ConflictError(`Address already in use: ${wanted} on network ${n.name}`);
    return { network: n, ip: wanted, prefix: s.prefix };
  }
  // `--ip-range`: only its addresses (still not the subnet's network, broadcast or gateway ones)
  const r = n.ipRange ? parseRange(n.ipRange) : s;
  const from = Math.max(r.base, s.base + 1), to = Math.min(r.base + 2 ** (32 - r.prefix), s.base + size - 1);
  for (let a = from; a < to; a++) {
    if (a === gw) continue;
    if (take(intToIp(a))) return { network: n, ip: intToIp(a), prefix: s.prefix };
  }
  throw new BerthError(`no free address left on network ${n.name} (${n.subnet})`);
}

/** Throws unless `ip` is a host address of network `n` other than its gateway (`--ip`, `network connect --ip`). */
export function checkAddress(n: NetworkRecord, ip: string): void {
  const s = parseSubnet(n.subnet);
  const w = ipToInt(ip);
  const size = 2 ** (32 - s.prefix);
  if (!overlaps({ base: w, prefix: 32 }, s) || w === s.base || w === s.base + size - 1 || w === ipToInt(n.gateway)) {
    throw new BerthError(`invalid address ${ip}: it is not a free host address of network ${n.name} (${n.subnet})`);
  }
}

/** Gives container `id`'s address on `name` back. */
export async function release(root: string, name: string, id: string): Promise<void> {
  await withNetworkLock(root, () => {
    for (const [ip, owner] of networkLeases(root, name)) {
      if (owner === id) Deno.removeSync(join(leaseDir(root, name), ip));
    }
  });
}

/** `network inspect`, in Docker's shape (the containers running on it, with their addresses). */
export function networkInspect(root: string, ref: string): Record<string, unknown> {
  const n = findNetwork(root, ref);
  if (!n) throw new NotFoundError(`network ${ref} not found`);
  const containers: Record<string, unknown> = {};
  for (const [ip, id] of networkLeases(root, n.name)) {
    try {
      const rec = JSON.parse(Deno.readTextFileSync(join(root, "containers", id, "container.json")));
      containers[id] = { Name: rec.spec.name, MacAddress: rec.state.network?.mac ?? "", IPv4Address: `${ip}/${parseSubnet(n.subnet).prefix}` };
    } catch { /* gone */ }
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: "local",
    Driver: n.driver,
    Internal: !!n.internal,
    IPAM: { Driver: "default", Config: [{ Subnet: n.subnet, Gateway: n.gateway, ...(n.ipRange ? { IPRange: n.ipRange } : {}) }] },
    Containers: containers,
    Options: { ...n.options, [BRIDGE_NAME]: n.bridge },
    Labels: n.labels ?? {},
  };
}
