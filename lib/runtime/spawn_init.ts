/**
 * Starts the init stub (see {@link ./init_stub.ts}) as pid 1 of a new PID namespace, feeds it the
 * second part of its program once berth has prepared the rootfs, and learns whether the program
 * reached the `execve`.
 *
 * Deno runs JS on one thread of several: only that thread enters the new PID namespace (for its
 * children); the process spawned right then is that namespace's pid 1, and the thread goes back at
 * once (it cannot start threads while its children's namespace differs from its own).
 */
import * as libc from "../ffi/fd.ts";
import { ErrnoError, trySys } from "../ffi/sys.ts";
import { BerthError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { CLONE_NEWPID, restoreNamespaces, saveNamespaces, setns, unshare } from "../ffi/namespaces.ts";
import { type ExitStatus, spawnProcess, waitProcess } from "../ffi/spawn.ts";
import { InitProgram, SYS } from "./init_program.ts";
import { PART1_ADDRESS, PART2_ADDRESS, PART2_MAX, stubExecutable } from "./init_stub.ts";

/** What a setup program writes on the report pipe when all is done but the exec (the OCI "created" state). */
export const CREATED_REPORT = new TextEncoder().encode("CREATED\0");
/** What it writes when its mounts are made, before pivot_root, if it then waits for SIGUSR1 (createContainer hooks). */
export const MOUNTED_REPORT = new TextEncoder().encode("MOUNTED\0");
/** What it writes when it has made a user namespace and waits for its uid and gid maps (then SIGUSR1). */
export const USERNS_REPORT = new TextEncoder().encode("USERNS\0\0");

/** A setup step of the stub failed: `step` says which, `code` is errno. */
export class SetupError extends Error {
  constructor(readonly step: string, readonly code: number) {
    super(`${step}: ${new ErrnoError("", code).message.replace(/^: /, "")}`);
    this.name = "SetupError";
  }
}

export interface InitProcess {
  pid: number;
  /** the report pipe's fd number in the stub (a setup program may write to it) */
  reportFd: number;
  /** sends the second part of the program (filled in by `build`); the stub runs it at once */
  start(build: (p: InitProgram) => void): void;
  /** resolves once the command is exec'd; rejects with {@link SetupError} if a step failed */
  ready: Promise<void>;
  exited: Promise<ExitStatus>;
  /** kills the stub (before start, or when berth gives up) */
  abort(): void;
}

/**
 * Spawns the stub. `first` adds the calls to run before the wait for the second part (joining the
 * cgroup: the migration waits for an RCU grace period, which now overlaps berth's own work).
 * `fds` maps the stub's fds 0–2 to fds of berth (unlisted ones are inherited); the stub dup2s them.
 */
export function spawnInit(
  first: (p: InitProgram) => void,
  fds: Record<number, number>,
  /** "new": pid 1 of a new PID namespace; "inherit": berth's; a path: join that namespace (exec) */
  pidNamespace: "new" | "inherit" | string,
  /** `ready` resolves when the program writes {@link CREATED_REPORT} (an OCI create), not at the execve */
  untilCreated = false,
  /**
   * wait for the process (`exited`); false leaves its exit to whoever inherits it when this process ends — an OCI
   * runtime's caller (containerd's shim, conmon) is a subreaper that must reap it itself to learn its status.
   * `exited` then never settles.
   */
  reap = true,
  /** the program reported {@link MOUNTED_REPORT} or {@link USERNS_REPORT}: the caller does its part, then lets it go on */
  onReport?: (report: "mounted" | "userns") => Promise<void>,
): InitProcess {
  debug("spawnInit: start");
  const [reportRead, reportWrite] = libc.pipe();
  const [programRead, programWrite] = libc.pipe();
  const part1 = new InitProgram(PART1_ADDRESS);
  let memfd = -1;
  let pid: number;
  try {
    part1.call("prctl(PR_SET_DUMPABLE)", SYS.prctl, [4, 0, 0, 0, 0]);
    part1.call("fcntl(FD_CLOEXEC)", SYS.fcntl, [reportWrite, 2, 1]);
    for (const [child, parent] of Object.entries(fds)) {
      libc.setCloseOnExec(parent, false);
      part1.call(`dup2 ${parent} to ${child}`, SYS.dup2, [parent, Number(child)]);
    }
    first(part1);
    part1.call("read the setup program", SYS.read, [programRead, PART2_ADDRESS, PART2_MAX]);
    part1.call("close the program pipe", SYS.close, [programRead]);
    part1.jump(PART2_ADDRESS);
    debug("spawnInit: part1 built");
    memfd = libc.sealedMemfd("berth-init", stubExecutable(reportWrite, part1.build()));
    // the stub inherits these two; it marks the report fd close-on-exec itself
    libc.setCloseOnExec(reportWrite, false);
    libc.setCloseOnExec(programRead, false);
    debug("spawnInit: memfd");
    const saved = pidNamespace !== "inherit" ? saveNamespaces(["pid"]) : [];
    try {
      if (pidNamespace === "new") unshare(CLONE_NEWPID);
      else if (pidNamespace !== "inherit") joinNamespace(pidNamespace, CLONE_NEWPID);
      pid = spawnProcess(`/proc/self/fd/${memfd}`, ["berth-init"], []);
    } finally {
      restoreNamespaces(saved);
    }
  } catch (err) {
    libc.closeFd(reportRead);
    libc.closeFd(programWrite);
    throw err;
  } finally {
    libc.closeFd(reportWrite);
    libc.closeFd(programRead);
    if (memfd >= 0) libc.closeFd(memfd);
  }
  debug("spawnInit: spawned");
  const exited = reap ? waitProcess(pid) : new Promise<ExitStatus>(() => {});
  let part2: InitProgram | undefined;
  const ready = (async () => {
    const buf = new Uint8Array(16);
    let n = 0;
    try {
      for (let r; n < 16 && (r = await libc.readAsync(reportRead, buf.subarray(n))) > 0;) {
        n += r;
        if (untilCreated && n === 8 && CREATED_REPORT.every((b, i) => buf[i] === b)) return;
        if (onReport && n === 8 && MOUNTED_REPORT.every((b, i) => buf[i] === b)) {
          n = 0;
          await onReport("mounted");
        } else if (onReport && n === 8 && USERNS_REPORT.every((b, i) => buf[i] === b)) {
          n = 0;
          await onReport("userns");
        }
      }
    } finally {
      libc.closeFd(reportRead);
    }
    if (n === 0) {
      // closed: either the execve happened or the stub died; a death before start() is a failure
      if (!part2) throw new SetupError("container init", 3 /* ESRCH */);
      return;
    }
    const v = new DataView(buf.buffer);
    const at = Number(v.getBigUint64(0, true));
    const step = part1.describe(at) ?? part2?.describe(at) ?? "container setup";
    throw new SetupError(step, Number(v.getBigUint64(8, true)));
  })();
  ready.catch(() => {}); // the caller awaits it; no unhandled rejection meanwhile
  // the setup program is only wanted to name a failed step: not kept for the container's life (a detached
  // container's supervisor would hold every one of them)
  ready.finally(() => (part2 = undefined)).catch(() => {});
  let writeOpen = true;
  const closeWrite = () => {
    if (writeOpen) {
      writeOpen = false;
      libc.closeFd(programWrite);
    }
  };
  return {
    pid,
    reportFd: reportWrite,
    ready,
    exited,
    start(build) {
      part2 = new InitProgram(PART2_ADDRESS);
      build(part2);
      const bytes = part2.build();
      // one write into the empty pipe: the stub's single read gets all of it — so the pipe must hold it all
      // (64 KiB by default; a long command line or environment needs more, up to the kernel's own limits)
      if (bytes.length > PART2_MAX) {
        throw new BerthError(`the container's setup (its command line and environment among it) takes ${bytes.length} bytes; berth passes at most ${PART2_MAX}`);
      }
      if (bytes.length > 60000) growPipe(programWrite, bytes.length);
      try {
        libc.writeAllSync(programWrite, bytes);
      } finally {
        closeWrite();
      }
    },
    abort() {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
      closeWrite();
    },
  };
}

/** The one child a stub (`pid`) forked — the container's pid 1 under a user namespace, a rootless berth — if it has exactly one. */
export function forkedChild(pid: number): number | undefined {
  const kids = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
  return kids.length === 1 ? kids[0] : undefined;
}

function joinNamespace(path: string, type: number): void {
  const fd = libc.openFd(path, libc.O_RDONLY | libc.O_CLOEXEC);
  try {
    setns(fd, type);
  } finally {
    libc.closeFd(fd);
  }
}

const F_SETPIPE_SZ = 1031;

/** Makes the pipe hold `bytes` (root may exceed /proc/sys/fs/pipe-max-size; others get a clear error). */
function growPipe(fd: number, bytes: number): void {
  const size = 2 ** Math.ceil(Math.log2(bytes));
  if (trySys(72 /* fcntl */, fd, F_SETPIPE_SZ, size) < 0) {
    throw new BerthError(`the container's setup (its command line and environment among it) takes ${bytes} bytes, more than this host lets a pipe hold (/proc/sys/fs/pipe-max-size)`);
  }
}
