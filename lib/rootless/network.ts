/**
 * An ordinary user's own network namespace, where their user-defined networks live, as Podman's
 * "rootless-netns": berth's bridges, veths and iptables rules cannot be made in the host's namespace by a user,
 * but can in a namespace of the user's namespace. It is held by a sleeping stub and reaches the outside through
 * one slirp4netns (tap0, 10.0.2.100; its gateway 10.0.2.2 and DNS 10.0.2.3), whose host forwards carry the
 * user's published ports into it, where berth's DNAT rules take them on to the containers.
 *
 * Made on the first need and kept (as the user namespace's holder is) while both processes live; one that lost
 * either is made anew, and the networks' bridges come back on their next use.
 *
 * @example
 * ```ts
 * const ns = await userNetns(user);
 * // /proc/${ns.pid}/ns/net is the namespace; ns.api is its slirp4netns's API socket
 * ```
 */
import { BerthError, messageOf } from "../util/errors.ts";
import { withLock } from "../util/lock.ts";
import { processLives, procStat } from "../util/proc_stat.ts";
import { writeFileAtomicSync } from "../util/atomic_write.ts";
import { spawnInit } from "../runtime/spawn_init.ts";
import { SYS } from "../runtime/init_program.ts";
import { CLONE_NEWNET } from "../ffi/namespaces.ts";
import { checkTun, configured, spawnSlirp4netns } from "../container/network/slirp.ts";
import { debug } from "../util/log.ts";
import { type RootlessUser, userPaths } from "./paths.ts";

export interface UserNetns {
  /** the holder: its /proc/PID/ns/net is the namespace */
  pid: number;
  /** its start time (a pid alone could be another process's by now) */
  startTime: number;
  /** slirp4netns's API socket (host forwards) */
  api: string;
}

/** the user's network namespace's addresses on slirp4netns's network (its host forwards arrive at `ip`) */
export const USER_NETNS = { ip: "10.0.2.100", subnet: "10.0.2.0/24" };

/** Whether `ns`'s holder still lives (a long-lived berth, the supervisor, checks before it uses the namespace). */
export function netnsAlive(ns: UserNetns): boolean {
  return processLives(ns.pid, ns.startTime);
}

/** The record `netns.pid`: holder pid and start time, slirp4netns pid and start time (empty when there is none). */
function readRecord(runtime: string): number[] {
  try {
    return Deno.readTextFileSync(`${runtime}/netns.pid`).trim().split(" ").map(Number);
  } catch {
    return [];
  }
}

/** The user's network namespace, made first if there is none (or only part of one). */
export async function userNetns(user: RootlessUser): Promise<UserNetns> {
  const runtime = userPaths(user).runtime;
  const api = `${runtime}/netns-slirp.sock`;
  return await withLock(`${runtime}/netns.lock`, async () => {
    const ids = readRecord(runtime);
    const [holder, holderStart, slirp, slirpStart] = ids;
    if (ids.length === 4 && processLives(holder, holderStart) && processLives(slirp, slirpStart)) return { pid: holder, startTime: holderStart, api };
    // a half: the other goes too (a namespace without its way out, or a slirp4netns for a namespace that is gone)
    await removeNetns(runtime, ids);
    const made = await makeNetns(api);
    writeFileAtomicSync(`${runtime}/netns.pid`, `${made.holder.pid} ${made.holder.start} ${made.slirp.pid} ${made.slirp.start}\n`, 0o600);
    return { pid: made.holder.pid, startTime: made.holder.start, api };
  });
}

/** Ends the user's network namespace, if there is one (their last network is gone: nothing is left running). */
export async function stopUserNetns(user: RootlessUser): Promise<void> {
  const runtime = userPaths(user).runtime;
  await withLock(`${runtime}/netns.lock`, () => removeNetns(runtime, readRecord(runtime)));
}

async function removeNetns(runtime: string, [holder, holderStart, slirp, slirpStart]: number[]): Promise<void> {
  for (const [pid, start] of [[holder, holderStart], [slirp, slirpStart]]) {
    if (pid && processLives(pid, start)) Deno.kill(pid, "SIGKILL");
  }
  await Deno.remove(`${runtime}/netns-slirp.sock`).catch(() => {});
  await Deno.remove(`${runtime}/netns.pid`).catch(() => {});
}

async function makeNetns(api: string): Promise<{ holder: { pid: number; start: number }; slirp: { pid: number; start: number } }> {
  checkTun();
  // it outlives the command: reaped by this berth if it ends first (berth exits without waiting for it), else by
  // the user namespace's pid 1; as slirp4netns is
  const stub = spawnInit(() => {}, {}, "inherit");
  stub.start((p) => {
    p.call("own session", SYS.setsid, []); // no terminal's signals
    p.call("unshare the network namespace", SYS.unshare, [CLONE_NEWNET]);
    // the namespace routes between its bridges and tap0 (a new namespace starts with forwarding off)
    p.call("open ip_forward", SYS.open, ["/proc/sys/net/ipv4/ip_forward", 1 /* O_WRONLY */, 0]);
    p.call("write 1 to it", SYS.write, [0, "1", 1], { previousResult: true });
    p.detachFromCaller();
    p.sleepForever();
  });
  let slirp: Deno.ChildProcess | undefined;
  try {
    await stub.ready;
    debug("user netns: made");
    slirp = spawnSlirp4netns(stub.pid, api, true);
    await configured(stub.pid, slirp);
    const holder = procStat(stub.pid), s = procStat(slirp.pid);
    if (!holder || !s) throw new BerthError("rootless: the network namespace's processes died at once");
    return { holder: { pid: stub.pid, start: holder.startTime }, slirp: { pid: slirp.pid, start: s.startTime } };
  } catch (err) {
    try {
      slirp?.kill("SIGKILL");
    } catch { /* gone */ }
    stub.abort();
    throw err instanceof BerthError ? err : new BerthError(`rootless: the user's network namespace: ${messageOf(err)}`);
  }
}
