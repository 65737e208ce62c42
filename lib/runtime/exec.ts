/**
 * OCI `exec`: a new process in a running container — its namespaces (from /proc/PID/ns), its cgroup, its
 * root; the process as a runtime-spec `process` object (from `--process FILE` or the command line).
 * Detached, it returns once the process runs (the pid file written, the terminal handed to the console
 * socket); in the foreground the caller's stdio passes through and the exit code is the process's.
 */
import { BerthError } from "../util/errors.ts";
import { join } from "../util/path.ts";
import { writeFileAtomicSync } from "../util/atomic_write.ts";
import { closeFd } from "../ffi/fd.ts";
import { sendFd } from "../ffi/scm_rights.ts";
import { lastCapability } from "../container/capabilities.ts";
import { resolveExecutable } from "../container/exec_path.ts";
import { SYS } from "./init_program.ts";
import { joinCgroup, type JoinableNamespace, joinNamespacesCalls, processCalls } from "./process_calls.ts";
import { SetupError, spawnInit } from "./spawn_init.ts";
import { openTtyInRoot } from "../container/tty.ts";
import { type OciProcess, readBundle } from "./oci_config.ts";
import { ociCgroup } from "./oci_cgroup.ts";
import { capabilityNumbers, seccompOf } from "./create.ts";
import { containerStatus } from "./operations.ts";
import { mustReadState } from "./runtime_state.ts";

export interface ExecOptions {
  root: string;
  id: string;
  process: OciProcess;
  detach?: boolean;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
}

/** Runs the process; the exit code in the foreground, undefined when detached. */
export async function ociExec(opts: ExecOptions): Promise<number | undefined> {
  const s = mustReadState(opts.root, opts.id);
  const status = containerStatus(s);
  if (status === "paused") throw new BerthError("cannot exec in a paused container", 1);
  if (status !== "running" && status !== "created") throw new BerthError("cannot exec a container that has stopped", 1);
  const { config } = readBundle(s.bundle);
  const proc = opts.process;
  if (proc.terminal && !opts.consoleSocket) throw new BerthError("cannot allocate tty if runc will detach without setting console socket", 1);
  const rootfs = `/proc/${s.pid}/root`;
  const env = proc.env ?? [];
  const execPath = resolveExecutable(rootfs, proc.args[0], env, proc.cwd);
  const caps = capabilityNumbers(proc.capabilities?.bounding ?? config.process?.capabilities?.bounding);
  const seccomp = seccompOf(config, caps);
  const tty = proc.terminal ? openTtyInRoot(rootfs) : undefined;
  const pidNs = config.linux?.namespaces?.some((n) => n.type === "pid");
  const cgroup = ociCgroup(s.cgroupPath);
  // detached: the caller (a subreaper) reaps the process, which may end before this command does
  const init = spawnInit((p) => joinCgroup(p, cgroup.procsFiles, false), tty ? { 0: tty.slave, 1: tty.slave, 2: tty.slave } : {}, pidNs ? `/proc/${s.pid}/ns/pid` : "inherit", false, !opts.detach);
  try {
    init.start((p) => {
      joinNamespacesCalls(p, s.pid, (config.linux?.namespaces ?? []).map((n) => n.type as JoinableNamespace));
      p.call(`chdir ${proc.cwd}`, SYS.chdir, [proc.cwd]);
      processCalls(p, {
        capabilities: caps,
        lastCap: lastCapability(),
        noNewPrivileges: proc.noNewPrivileges ?? !!config.process?.noNewPrivileges,
        seccomp,
        user: { uid: proc.user.uid, gid: proc.user.gid, additionalGids: proc.user.additionalGids ?? [], home: "/" },
        ttyFd: tty ? 0 : undefined,
        execPath,
        args: proc.args,
        env,
        keepFds: opts.preserveFds ?? 0,
      });
    });
    await init.ready;
  } catch (err) {
    init.abort();
    if (!opts.detach) await init.exited.catch(() => {});
    if (tty) {
      closeFd(tty.master);
      closeFd(tty.slave);
    }
    if (err instanceof SetupError) throw new BerthError(`exec failed: ${err.message}`, 1);
    throw err;
  }
  if (opts.pidFile) writeFileAtomicSync(opts.pidFile.startsWith("/") ? opts.pidFile : join(Deno.cwd(), opts.pidFile), String(init.pid), 0o644);
  if (tty) {
    sendFd(opts.consoleSocket!, tty.master);
    closeFd(tty.master);
    closeFd(tty.slave);
  }
  if (opts.detach) return undefined;
  return (await init.exited).code;
}
