/**
 * Where berth's bridge networks live: the host's network namespace for root; for an ordinary user, their own
 * network namespace (../../rootless/network.ts), which their berth reaches without entering it — a netlink socket
 * a stub opened there, iptables run there by nsenter, containers' namespaces made by a stub. The bridge code
 * (networks.ts, endpoint.ts, ports.ts, iptables.ts) asks this module and works the same in both.
 *
 * @example
 * ```ts
 * const where = await netHost(); // once per command, before any of the below
 * const nl = where.netlink();
 * try {
 *   nl.index("berth0");
 * } finally {
 *   nl.close();
 * }
 * ```
 */
import { Netlink } from "../../ffi/netlink.ts";
import { closeFd, dupFd, O_CLOEXEC, openFd } from "../../ffi/fd.ts";
import { CLONE_NEWNET, setns, unshare } from "../../ffi/namespaces.ts";
import { statLite } from "../../ffi/sys.ts";
import { rootlessUser, userPaths } from "../../rootless/paths.ts";
import { netnsAlive, type UserNetns, userNetns } from "../../rootless/network.ts";
import { netlinkInNetns } from "./netns_sockets.ts";

export interface NetHost {
  /** an ordinary user's own namespace; undefined: the host's */
  user?: UserNetns;
  /** a netlink socket where the bridges are (the caller closes it) */
  netlink(): Netlink;
  /** how to run a network tool (iptables) there */
  command(tool: string, args: string[]): { cmd: string; args: string[]; env?: Record<string, string> };
  /** a new network namespace for a container (its fd) and a netlink socket in it */
  newNetns(): Promise<{ fd: number; inner: Netlink }>;
  /** a netlink socket in the namespace at `path` (a running container's) */
  netlinkAt(path: string): Promise<Netlink>;
}

let prepared: NetHost | undefined;
/** the sockets in the user's namespace that `prepared` hands out copies of */
let socketsHeld: Netlink | undefined;

/** This berth's {@link NetHost} (for a user, their namespace is made or found the first time). */
export async function netHost(): Promise<NetHost> {
  if (prepared?.user && !netnsAlive(prepared.user)) {
    // remade (or ended) since: a long-lived berth (the supervisor) finds it again
    socketsHeld?.close();
    socketsHeld = prepared = undefined;
  }
  if (prepared) return prepared;
  const user = rootlessUser();
  if (!user) return prepared = HOST;
  const ns = await userNetns(user);
  const { nsFd, netlink } = await netlinkInNetns(`/proc/${ns.pid}/ns/net`);
  closeFd(nsFd); // the holder keeps the namespace
  socketsHeld = netlink;
  const lockFile = `${userPaths(user).runtime}/xtables.lock`; // iptables-legacy's lock; /run's is root's
  prepared = {
    user: ns,
    netlink: () => Netlink.adopt(dupFd(netlink.fd), dupFd(netlink.inet)),
    command: (tool, args) => ({ cmd: "nsenter", args: [`--net=/proc/${ns.pid}/ns/net`, "--", sbin(tool), ...args], env: { XTABLES_LOCKFILE: lockFile } }),
    newNetns: async () => {
      const made = await netlinkInNetns("new");
      return { fd: made.nsFd, inner: made.netlink };
    },
    netlinkAt: async (path) => {
      const at = await netlinkInNetns(path);
      closeFd(at.nsFd);
      return at.netlink;
    },
  };
  return prepared;
}

/** The {@link NetHost} {@link netHost} prepared (synchronous code on its paths); the host's for root. */
export function preparedNetHost(): NetHost {
  if (prepared) return prepared;
  if (rootlessUser()) throw new Error("internal: the user's network namespace is used before netHost()");
  return prepared = HOST;
}

const HOST: NetHost = {
  netlink: () => Netlink.open(),
  command: (tool, args) => ({ cmd: tool, args }),
  newNetns: () => Promise.resolve(newNetnsHere()),
  netlinkAt: (path) => Promise.resolve(netlinkVisiting(path)),
};

/** A user's PATH often lacks the sbin directories where Debian keeps iptables. */
function sbin(tool: string): string {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean), "/usr/sbin", "/sbin"];
  return dirs.map((d) => `${d}/${tool}`).find((p) => statLite(p)) ?? tool;
}

/** A new network namespace, and a netlink socket inside it, without moving berth: setns back at once. */
function newNetnsHere(): { fd: number; inner: Netlink } {
  const saved = openFd("/proc/thread-self/ns/net", O_CLOEXEC);
  let fd = -1;
  let inner: Netlink | undefined;
  try {
    unshare(CLONE_NEWNET);
    try {
      fd = openFd("/proc/thread-self/ns/net", O_CLOEXEC);
      inner = Netlink.open();
    } finally {
      setns(saved, CLONE_NEWNET);
    }
  } catch (err) {
    if (fd >= 0) closeFd(fd);
    throw err;
  } finally {
    closeFd(saved);
  }
  return { fd, inner: inner! };
}

/** A netlink socket in the network namespace at `nsPath` (the JS thread visits it for an instant). */
function netlinkVisiting(nsPath: string): Netlink {
  const saved = openFd("/proc/thread-self/ns/net", O_CLOEXEC);
  const target = openFd(nsPath, O_CLOEXEC);
  try {
    setns(target, CLONE_NEWNET);
    try {
      return Netlink.open();
    } finally {
      setns(saved, CLONE_NEWNET);
    }
  } finally {
    closeFd(target);
    closeFd(saved);
  }
}
