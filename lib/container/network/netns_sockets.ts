/**
 * A netlink socket (and the namespace's fd) in a network namespace that berth's own thread could visit but not
 * come back from: an ordinary user's berth lives in a user namespace that has no say over the host's network
 * namespace, so a `setns` back to it is refused. A stub joins (or makes) the namespace, opens the namespace's fd
 * and the two sockets a {@link Netlink} needs at fixed fd numbers, and waits; berth copies them out of it with
 * `pidfd_getfd` and lets it go. A socket works in the namespace it was made in, whichever process holds it.
 *
 * @example
 * ```ts
 * const { nsFd, netlink } = await netlinkInNetns("new"); // a new, empty namespace
 * netlink.setUp(netlink.index("lo"));
 * ```
 */
import { spawnInit } from "../../runtime/spawn_init.ts";
import { SYS } from "../../runtime/init_program.ts";
import { CLONE_NEWNET } from "../../ffi/namespaces.ts";
import { Netlink } from "../../ffi/netlink.ts";
import { closeFd } from "../../ffi/fd.ts";
import { ErrnoError, errno, trySys } from "../../ffi/sys.ts";
import { BerthError, messageOf } from "../../util/errors.ts";

/** the stub's fds: the namespace, the netlink socket, the AF_INET socket (for interface lookups) */
const NS_FD = 900, NL_FD = 901, INET_FD = 902;
const O_CLOEXEC = 0o2000000;

export interface NetnsSockets {
  /** the namespace (a new one is kept alive by it) */
  nsFd: number;
  netlink: Netlink;
}

/** Sockets in the namespace at `target` (a path such as /proc/PID/ns/net), or in a new one ("new"). */
export async function netlinkInNetns(target: string | "new"): Promise<NetnsSockets> {
  const stub = spawnInit(() => {}, {}, "inherit");
  stub.start((p) => {
    if (target === "new") p.call("unshare the network namespace", SYS.unshare, [CLONE_NEWNET]);
    else {
      p.call(`open ${target}`, SYS.open, [target, O_CLOEXEC, 0]);
      p.call("keep it", SYS.dup2, [0, NS_FD], { previousResult: true });
      p.call("join the network namespace", SYS.setns, [NS_FD, CLONE_NEWNET]);
    }
    p.call("open the namespace", SYS.open, ["/proc/thread-self/ns/net", O_CLOEXEC, 0]);
    p.call("keep it", SYS.dup2, [0, NS_FD], { previousResult: true });
    p.call("socket(AF_NETLINK)", SYS.socket, [16, 3 /* SOCK_RAW */ | O_CLOEXEC, 0 /* NETLINK_ROUTE */]);
    p.call("keep it", SYS.dup2, [0, NL_FD], { previousResult: true });
    p.call("socket(AF_INET)", SYS.socket, [2, 2 /* SOCK_DGRAM */ | O_CLOEXEC, 0]);
    p.call("keep it", SYS.dup2, [0, INET_FD], { previousResult: true });
    p.call("close the report pipe", SYS.close, [stub.reportFd]);
    p.sleepForever();
  });
  const taken: number[] = [];
  let pidfd = -1;
  try {
    await stub.ready;
    pidfd = trySys(434 /* pidfd_open */, stub.pid, 0);
    if (pidfd < 0) throw new ErrnoError("pidfd_open", errno());
    for (const fd of [NS_FD, NL_FD, INET_FD]) {
      const got = trySys(438 /* pidfd_getfd */, pidfd, fd, 0); // close-on-exec, as the kernel makes it
      if (got < 0) throw new ErrnoError("pidfd_getfd", errno());
      taken.push(got);
    }
    return { nsFd: taken[0], netlink: Netlink.adopt(taken[1], taken[2]) };
  } catch (err) {
    for (const fd of taken) closeFd(fd);
    throw new BerthError(`network namespace ${target === "new" ? "(new)" : target}: ${messageOf(err)}`);
  } finally {
    if (pidfd >= 0) closeFd(pidfd);
    stub.abort();
  }
}
