/**
 * berth's user namespace for an ordinary user, as Podman's: one long-lived "holder" process owns a user
 * namespace (the user is its root, their subordinate ids the rest) and a mount namespace; every berth
 * command of that user runs inside both, so overlay mounts, volumes and detached containers made by one
 * command are there for the next.
 *
 * Deno is multithreaded and can neither unshare nor join a user namespace, so both steps are berth's stub
 * (../runtime/init_stub.ts): the holder's program unshares, reports, waits while berth writes its maps with
 * the setuid `newuidmap`/`newgidmap`, then sleeps for good; a command's program joins the holder's
 * namespaces and execs berth again inside them, marked `BERTH_ROOTLESS=UID:GID`.
 *
 * @example
 * ```ts
 * import { runInUserNamespace } from "./userns.ts";
 * Deno.exit(await runInUserNamespace(["ps", "-a"], { uid: 1000, gid: 1000 }));
 * ```
 */
import { BerthError, messageOf } from "../util/errors.ts";
import { withLock } from "../util/lock.ts";
import { procStat } from "../util/proc_stat.ts";
import { spawnInit, USERNS_REPORT } from "../runtime/spawn_init.ts";
import { type InitProgram, SYS } from "../runtime/init_program.ts";
import { CLONE_NEWNS } from "../ffi/namespaces.ts";
import { ensureRuntimeDir, type RootlessUser, userPaths } from "./paths.ts";
import { idMap, subIdsOf } from "./subid.ts";

const CLONE_NEWUSER = 0x10000000;
const SIG_BLOCK = 0, SIGUSR1 = 10;
const USR1_SET = new Uint8Array(new BigUint64Array([1n << BigInt(SIGUSR1 - 1)]).buffer);
const PROXIED: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"];

interface Holder {
  pid: number;
  startTime: number;
}

/** Runs `berth ARGV` in the user's namespaces (made first if need be); its exit code. */
export async function runInUserNamespace(argv: string[], user: RootlessUser): Promise<number> {
  const runtime = ensureRuntimeDir(userPaths(user).runtime, user);
  const holder = await withLock(`${runtime}/userns.lock`, () => liveHolder(runtime) ?? makeHolder(runtime, user));
  const init = spawnInit(() => {}, {}, "inherit");
  const [exe, ...pre] = reexecArgv();
  init.start((p) => joinProgram(p, holder.pid, exe, [...pre, ...argv], user));
  // signals to this berth are the inner one's (Ctrl-C, a stop by a supervisor of ours)
  const forward = PROXIED.map((sig) => {
    const fn = () => {
      try {
        Deno.kill(init.pid, sig);
      } catch { /* gone */ }
    };
    Deno.addSignalListener(sig, fn);
    return [sig, fn] as const;
  });
  try {
    try {
      await init.ready;
    } catch (err) {
      throw new BerthError(`rootless: cannot enter the user namespace: ${messageOf(err)}`);
    }
    return (await init.exited).code;
  } finally {
    for (const [sig, fn] of forward) Deno.removeSignalListener(sig, fn);
  }
}

/** argv that starts this berth again, straight through its Deno (not the one-file build's sh header). */
function reexecArgv(): string[] {
  const exe = Deno.execPath();
  const main = new URL(Deno.mainModule);
  if (main.protocol === "file:" && /\/deno$/.test(exe)) return [exe, "run", "-A", "--no-config", "--no-lock", "-q", decodeURIComponent(main.pathname)];
  return [exe]; // deno compile: the binary is berth
}

function joinProgram(p: InitProgram, holder: number, exe: string, argv: string[], user: RootlessUser): void {
  p.call("open the user namespace", SYS.open, [`/proc/${holder}/ns/user`, 0o2000000 /* O_CLOEXEC */, 0]);
  p.call("join the user namespace", SYS.setns, [0, CLONE_NEWUSER], { previousResult: true });
  p.call("open the mount namespace", SYS.open, [`/proc/${holder}/ns/mnt`, 0o2000000, 0]);
  p.call("join the mount namespace", SYS.setns, [0, CLONE_NEWNS], { previousResult: true });
  p.call("setresgid 0", SYS.setresgid, [0, 0, 0]);
  p.call("setresuid 0", SYS.setresuid, [0, 0, 0]);
  // joining a mount namespace puts the process at its root
  p.call("go back to the working directory", SYS.chdir, [Deno.cwd()], { ignoreFailure: true });
  const env = Object.entries({ ...Deno.env.toObject(), BERTH_ROOTLESS: `${user.uid}:${user.gid}` }).map(([k, v]) => `${k}=${v}`);
  p.call(`exec ${exe}`, SYS.execve, [exe, p.strings([exe, ...argv.slice(0)]), p.strings(env)]);
}

/** The holder recorded in the runtime dir, if that very process still lives. */
function liveHolder(runtime: string): Holder | undefined {
  try {
    const [pid, startTime] = Deno.readTextFileSync(`${runtime}/userns.pid`).trim().split(" ").map(Number);
    const s = procStat(pid);
    return s && s.startTime === startTime && s.state !== "Z" ? { pid, startTime } : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the holder: unshare, maps from the user's subordinate ids, then it sleeps. */
async function makeHolder(runtime: string, user: RootlessUser): Promise<Holder> {
  const ids = subIdsOf(user.uid);
  for (const tool of ["newuidmap", "newgidmap"]) {
    if (!["/usr/bin", "/bin", "/usr/sbin", "/sbin"].some((d) => exists(`${d}/${tool}`))) {
      throw new BerthError(`rootless: ${tool} is missing: install Debian's uidmap package (apt-get install uidmap)`);
    }
  }
  let mapped: Promise<void> | undefined;
  const init = spawnInit(() => {}, {}, "inherit", false, false, (report) => {
    if (report !== "userns") return Promise.resolve();
    mapped = writeMaps(init.pid, user, ids.uids, ids.gids);
    return mapped.then(() => Deno.kill(init.pid, "SIGUSR1"));
  });
  init.start((p) => holderProgram(p, init.reportFd));
  try {
    await init.ready;
    await mapped;
  } catch (err) {
    init.abort();
    throw err instanceof BerthError ? err : new BerthError(`rootless: cannot make the user namespace: ${messageOf(err)}`);
  }
  const s = procStat(init.pid);
  if (!s) throw new BerthError("rootless: the user namespace's holder died at once");
  const holder = { pid: init.pid, startTime: s.startTime };
  Deno.writeTextFileSync(`${runtime}/userns.pid`, `${holder.pid} ${holder.startTime}\n`, { mode: 0o600 });
  return holder;
}

function holderProgram(p: InitProgram, reportFd: number): void {
  // dumpable again: newuidmap and the joiners open its /proc files as the user
  p.call("prctl(PR_SET_DUMPABLE, 1)", SYS.prctl, [4, 1, 0, 0, 0]);
  p.call("own session", SYS.setsid, []);
  p.call("block the go-ahead signal", SYS.rt_sigprocmask, [SIG_BLOCK, USR1_SET, null, 8]);
  p.call("unshare the user and mount namespaces", SYS.unshare, [CLONE_NEWUSER | CLONE_NEWNS]);
  p.call("report the user namespace", SYS.write, [reportFd, USERNS_REPORT, USERNS_REPORT.length]);
  p.call("wait for the uid and gid maps", SYS.rt_sigtimedwait, [USR1_SET, null, null, 8]);
  // nothing of the command's: its stdio and the report pipe (its end tells berth the holder is ready)
  p.call("open /dev/null", SYS.open, ["/dev/null", 2 /* O_RDWR */, 0]);
  for (const fd of [0, 1, 2]) p.call(`/dev/null on fd ${fd}`, SYS.dup2, [3, fd], { ignoreFailure: true });
  p.call("close the rest", SYS.close_range, [3, 0xffffffff, 0], { ignoreFailure: true });
  const loop = p.label();
  p.mark(loop);
  p.call("sleep", 34 /* pause */, [], { ignoreFailure: true });
  p.jumpUnlessZero(loop); // pause returns -EINTR: never 0
}

async function writeMaps(pid: number, user: RootlessUser, uids: ReturnType<typeof subIdsOf>["uids"], gids: ReturnType<typeof subIdsOf>["gids"]): Promise<void> {
  for (const [tool, args] of [["newuidmap", idMap(user.uid, uids)], ["newgidmap", idMap(user.gid, gids)]] as const) {
    const r = await new Deno.Command(tool, { args: [String(pid), ...args], stdout: "null", stderr: "piped" }).output();
    if (!r.success) {
      const why = new TextDecoder().decode(r.stderr).trim().split("\n").pop();
      throw new BerthError(`rootless: ${tool} ${pid} ${args.join(" ")} failed: ${why}`);
    }
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The user to re-run a command for: an ordinary user's berth not yet in its user namespace. */
export function userOutsideNamespace(): RootlessUser | undefined {
  if (Deno.env.get("BERTH_ROOTLESS")) return undefined;
  const uid = Deno.uid();
  return uid === null || uid === 0 ? undefined : { uid, gid: Deno.gid() ?? uid };
}
