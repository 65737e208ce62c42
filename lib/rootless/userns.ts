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
import { processLives, procStat } from "../util/proc_stat.ts";
import { forkedChild, spawnInit, USERNS_REPORT } from "../runtime/spawn_init.ts";
import { type InitProgram, SIG_BLOCK, SIG_UNBLOCK, SYS, USR1_SET } from "../runtime/init_program.ts";
import { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, MS_NODEV, MS_NOEXEC, MS_NOSUID } from "../ffi/namespaces.ts";
import { statLite } from "../ffi/sys.ts";
import { prctl } from "../ffi/libc.ts";
import { waitProcess } from "../ffi/spawn.ts";
import { ensureRuntimeDir, type RootlessUser, userPaths } from "./paths.ts";
import { idMap, subIdsOf } from "./subid.ts";

const WALL = 0x40000000;
/** where the joining stub keeps the namespaces' fds (beyond anything it inherits) */
const NS_FD = 900;
const PROXIED: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"];

interface Holder {
  pid: number;
  startTime: number;
}

/** Runs `berth ARGV` in the user's namespaces (made first if need be); its exit code. */
export async function runInUserNamespace(argv: string[], user: RootlessUser): Promise<number> {
  const runtime = ensureRuntimeDir(userPaths(user).runtime, user);
  const holder = await withLock(`${runtime}/userns.lock`, () => liveHolder(runtime) ?? makeHolder(runtime, user));
  // the stub forks berth into the namespaces' PID namespace and leaves: its child becomes ours to wait for
  prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1);
  const init = spawnInit(() => {}, {}, "inherit");
  const [exe, ...pre] = reexecArgv();
  init.start((p) => joinProgram(p, init.reportFd, holder.pid, exe, [...pre, ...argv], user));
  let child = 0;
  // signals to this berth are the inner one's (Ctrl-C, a stop by a supervisor of ours)
  const forward = PROXIED.map((sig) => {
    const fn = () => {
      try {
        if (child) Deno.kill(child, sig);
      } catch { /* gone */ }
    };
    Deno.addSignalListener(sig, fn);
    return [sig, fn] as const;
  });
  try {
    try {
      await init.ready;
      child = forkedChild(init.pid) ?? 0;
      if (!child) throw new Error("the forked berth is missing");
    } catch (err) {
      init.abort();
      throw new BerthError(`rootless: cannot enter the user namespace: ${messageOf(err)}`);
    }
    Deno.kill(init.pid, "SIGUSR1"); // the stub's part is done
    await init.exited;
    return (await waitProcess(child)).code;
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

/**
 * Joins the holder's user, mount and PID namespaces and forks; the child (in the PID namespace) execs berth,
 * the parent closes its report fd and waits to be let go. In the holder's PID namespace, berth can go back to
 * it after making a container's (the host's own would be out of the user namespace's reach).
 */
function joinProgram(p: InitProgram, reportFd: number, holder: number, exe: string, argv: string[], user: RootlessUser): void {
  // all three opened first: once in the mount namespace, /proc is the holder's PID namespace's
  const list = [["user", CLONE_NEWUSER], ["mnt", CLONE_NEWNS], ["pid", CLONE_NEWPID]] as const;
  list.forEach(([ns], i) => {
    p.call(`open the ${ns} namespace`, SYS.open, [`/proc/${holder}/ns/${ns}`, 0o2000000 /* O_CLOEXEC */, 0]);
    p.call(`keep the ${ns} namespace at fd ${NS_FD + i}`, SYS.dup2, [0, NS_FD + i], { previousResult: true });
  });
  list.forEach(([ns, flag], i) => p.call(`join the ${ns} namespace`, SYS.setns, [NS_FD + i, flag]));
  p.call("close the namespaces' fds", SYS.close_range, [NS_FD, NS_FD + 2, 0]);
  p.call("setresgid 0", SYS.setresgid, [0, 0, 0]);
  p.call("setresuid 0", SYS.setresuid, [0, 0, 0]);
  p.call("block the go-ahead signal", SYS.rt_sigprocmask, [SIG_BLOCK, USR1_SET, null, 8]);
  const parent = p.label();
  p.call("fork berth", SYS.fork, []);
  p.jumpUnlessZero(parent);
  p.call("unblock the signal", SYS.rt_sigprocmask, [SIG_UNBLOCK, USR1_SET, null, 8]);
  // joining a mount namespace puts the process at its root
  p.call("go back to the working directory", SYS.chdir, [Deno.cwd()], { ignoreFailure: true });
  const env = Object.entries({ ...Deno.env.toObject(), BERTH_ROOTLESS: `${user.uid}:${user.gid}` }).map(([k, v]) => `${k}=${v}`);
  p.call(`exec ${exe}`, SYS.execve, [exe, p.strings([exe, ...argv]), p.strings(env)]);
  p.mark(parent);
  p.call("close the report pipe", SYS.close, [reportFd]);
  p.call("wait to be let go", SYS.rt_sigtimedwait, [USR1_SET, null, null, 8]);
  p.call("leave", SYS.exit_group, [0]);
}

/** The holder recorded in the runtime dir, if that very process still lives. */
function liveHolder(runtime: string): Holder | undefined {
  try {
    const [pid, startTime] = Deno.readTextFileSync(`${runtime}/userns.pid`).trim().split(" ").map(Number);
    return processLives(pid, startTime) ? { pid, startTime } : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the holder: unshare, maps from the user's subordinate ids, then it sleeps. */
async function makeHolder(runtime: string, user: RootlessUser): Promise<Holder> {
  const ids = subIdsOf(user.uid);
  for (const tool of ["newuidmap", "newgidmap"]) {
    if (!["/usr/bin", "/bin", "/usr/sbin", "/sbin"].some((d) => statLite(`${d}/${tool}`))) {
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
  let pid1: number;
  try {
    await init.ready;
    await mapped;
    pid1 = forkedChild(init.pid) ?? 0;
    if (!pid1) throw new Error("the holder's pid 1 is missing");
  } catch (err) {
    init.abort();
    throw err instanceof BerthError ? err : new BerthError(`rootless: cannot make the user namespace: ${messageOf(err)}`);
  }
  Deno.kill(init.pid, "SIGUSR1"); // the stub that forked the holder leaves
  const s = procStat(pid1);
  if (!s) throw new BerthError("rootless: the user namespace's holder died at once");
  const holder = { pid: pid1, startTime: s.startTime };
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
  p.call("setresgid 0", SYS.setresgid, [0, 0, 0]);
  p.call("setresuid 0", SYS.setresuid, [0, 0, 0]);
  // the PID namespace every command of the user runs in; its pid 1 reaps what berth's processes leave
  p.call("unshare the pid namespace", SYS.unshare, [CLONE_NEWPID]);
  const parent = p.label();
  p.call("fork pid 1", SYS.fork, []);
  p.jumpUnlessZero(parent);
  p.call("unblock the signal", SYS.rt_sigprocmask, [SIG_UNBLOCK, USR1_SET, null, 8]);
  p.call("mount the namespace's /proc", SYS.mount, ["proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, null]);
  // pid 1 has no one to report a failure to (the report pipe's end tells berth the holder is ready)
  p.detachFromCaller(true);
  // a child that never exits, so that waiting for any child blocks instead of failing at once
  const reaper = p.label();
  p.call("fork the keeper", SYS.fork, []);
  p.jumpUnlessZero(reaper);
  p.sleepForever();
  p.mark(reaper);
  p.call("reap", 61 /* wait4 */, [-1, null, WALL, null], { ignoreFailure: true });
  p.jumpUnlessZero(reaper); // a pid, or an error: never 0
  p.mark(parent);
  p.call("close the report pipe", SYS.close, [reportFd]);
  p.call("wait to be let go", SYS.rt_sigtimedwait, [USR1_SET, null, null, 8]);
  p.call("leave", SYS.exit_group, [0]);
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

/**
 * For a berth the one file's sh header started in the namespaces with nsenter (`BERTH_JOINED`): nsenter waits
 * for it but passes no signal on, so its end is this berth's SIGTERM (as the Deno joiner forwards one); true
 * when it has already ended (the command should not run).
 */
export function joinedByHeader(): boolean {
  if (!Deno.env.get("BERTH_JOINED")) return false;
  Deno.env.delete("BERTH_JOINED");
  prctl(1 /* PR_SET_PDEATHSIG */, 15 /* SIGTERM */);
  // nsenter is outside the PID namespace: the parent's pid reads 0 until it ends (then 1, who inherits)
  return Deno.ppid !== 0;
}

/** The user to re-run a command for: an ordinary user's berth not yet in its user namespace. */
export function userOutsideNamespace(): RootlessUser | undefined {
  if (Deno.env.get("BERTH_ROOTLESS")) return undefined;
  const uid = Deno.uid();
  return uid === null || uid === 0 ? undefined : { uid, gid: Deno.gid() ?? uid };
}
