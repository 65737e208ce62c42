/**
 * `berth exec`: a new process in a running container — all its namespaces (the PID namespace joined
 * by berth's JS thread for the spawn, the others by the stub with setns), its cgroup, its root, its
 * capabilities and user rules, the image's environment plus `-e`.
 */
import { BerthError, ConflictError } from "../util/errors.ts";
import { prestartHelperThreads } from "../ffi/sys.ts";
import { closeFd, dupFd, fdReadable, fdWritable } from "../ffi/fd.ts";
import { lastCapability } from "./capabilities.ts";
import { seccompFilter } from "./seccomp/setting.ts";
import { containerCgroup } from "./cgroups/cgroup.ts";
import { resolveExecutable } from "./exec_path.ts";
import { SYS } from "../runtime/init_program.ts";
import { getContainer } from "./lifecycle.ts";
import { mergeEnv } from "./process_spec.ts";
import { joinCgroup, type JoinableNamespace, joinNamespacesCalls, processCalls } from "../runtime/process_calls.ts";
import { SetupError, spawnInit } from "../runtime/spawn_init.ts";
import { containerStdio, type Stdio } from "./stdio.ts";
import { attachTty, openTtyInRoot, resizeTty } from "./tty.ts";
import { resolveUser } from "./user.ts";
import { mkdirAllInRoot, withRootFd } from "./path_in_root.ts";
import { closeQuietly } from "../ffi/dir_fd.ts";
import type { ExitResult } from "./launch.ts";

export interface ExecOptions {
  root: string;
  command: string[];
  interactive?: boolean;
  tty?: boolean;
  /** start it and return at once */
  detach?: boolean;
  env?: string[];
  user?: string;
  workdir?: string;
  privileged?: boolean;
  stdio?: { stdin?: Stdio; stdout?: Stdio; stderr?: Stdio };
  /** with `tty`: the terminal's output and input as streams (stdout, stdin), not berth's own terminal */
  ttyStreams?: boolean;
}

export interface ExecProcess {
  pid: number;
  /** the ends of `piped` stdio (null otherwise) */
  stdin: WritableStream<Uint8Array> | null;
  stdout: ReadableStream<Uint8Array> | null;
  stderr: ReadableStream<Uint8Array> | null;
  status: Promise<ExitResult>;
  /** with `ttyStreams`: sets the terminal's size */
  resize?: (columns: number, rows: number) => void;
}

/**
 * Runs a command in a running container.
 *
 * @example
 * ```ts
 * const p = await execInContainer("web", { root: "/var/lib/berth", command: ["hostname"], stdio: { stdout: "piped" } });
 * console.log(await new Response(p.stdout).text(), (await p.status).exitCode);
 * ```
 */
export async function execInContainer(ref: string, opts: ExecOptions): Promise<ExecProcess> {
  const rec = await getContainer(opts.root, ref);
  const { spec, state } = rec;
  if (state.status !== "running" || !state.pid) throw new ConflictError(`container ${spec.id} is not running`);
  if (state.paused) throw new ConflictError(`container ${spec.id} is paused, unpause the container before exec`);
  if (!opts.command.length) throw new BerthError("exec requires a command");
  const pid = state.pid;
  const rootfs = `/proc/${pid}/root`;
  const user = resolveUser(rootfs, opts.user ?? spec.process.user, spec.process.groupAdd);
  const env = mergeEnv(spec.process.env, opts.tty ? ["TERM=xterm"] : [], opts.env ?? []);
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${user.home}`);
  const cwd = opts.workdir ?? spec.process.cwd;
  if (!cwd.startsWith("/")) throw new BerthError(`the working directory '${cwd}' is invalid, it needs to be an absolute path`);
  if (opts.workdir) withRootFd(rootfs, (fd) => closeQuietly(mkdirAllInRoot(fd, cwd)));
  const execPath = resolveExecutable(rootfs, opts.command[0], env, cwd);
  await prestartHelperThreads(3);
  const tty = opts.tty ? openTtyInRoot(rootfs) : undefined; // the container's own devpts: `tty` says /dev/pts/N
  const stdio = containerStdio(
    opts.detach ? { stdin: "null", stdout: "null", stderr: "null", ...opts.stdio } : opts.stdio,
    !!tty,
    !!opts.interactive,
  );
  const cgroup = containerCgroup(spec.id);
  const init = spawnInit((p) => joinCgroup(p, cgroup.procsFiles, false), stdio.fds, spec.namespaces.pid === "host" ? "inherit" : `/proc/${pid}/ns/pid`);
  stdio.closeChildEnds();
  init.start((p) => {
    const shared: JoinableNamespace[] = ["cgroup", "mount"];
    if (spec.namespaces.ipc !== "host") shared.push("ipc");
    if (spec.namespaces.uts !== "host") shared.push("uts");
    if (spec.network !== "host") shared.push("network");
    joinNamespacesCalls(p, pid, shared);
    p.call(`chdir ${cwd}`, SYS.chdir, [cwd]);
    processCalls(p, {
      capabilities: opts.privileged ? Array.from({ length: lastCapability() + 1 }, (_, i) => i) : spec.capabilities,
      lastCap: lastCapability(),
      noNewPrivileges: spec.noNewPrivileges,
      // the container's filter, as for its first process (Docker's exec --privileged keeps it too)
      seccomp: seccompFilter(spec.seccomp, spec.privileged, spec.capabilities),
      user,
      ttyFd: tty?.slave,
      execPath,
      args: opts.command,
      env,
    });
  });
  try {
    await init.ready;
  } catch (err) {
    await init.exited;
    if (err instanceof SetupError && err.step === "exec") {
      throw new BerthError(`exec: "${opts.command[0]}": ${err.message.replace(/^exec: /, "").toLowerCase()}`, err.code === 2 ? 127 : 126);
    }
    throw err instanceof SetupError ? new BerthError(`exec failed: ${err.message}`) : err;
  }
  const streams = tty && opts.ttyStreams;
  const attached = tty && !opts.detach && !streams ? attachTty(tty, !!opts.interactive) : undefined;
  if (tty) closeFd(tty.slave);
  if (streams) {
    // the master end both ways: output read from a duplicate, so closing stdin (EOF) leaves the output open
    const out = dupFd(tty.master);
    return {
      pid: init.pid,
      stdin: fdWritable(tty.master),
      stdout: fdReadable(out),
      stderr: null,
      status: init.exited.then((s) => ({ exitCode: s.code, oomKilled: false })),
      resize: (columns, rows) => resizeTty(out, columns, rows),
    };
  }
  const status = (async (): Promise<ExitResult> => {
    const s = await init.exited;
    if (attached) {
      await Promise.race([attached.done, new Promise((r) => setTimeout(r, 200))]);
      attached.restore();
    }
    return { exitCode: s.code, oomKilled: false };
  })();
  return { pid: init.pid, stdin: stdio.stdin, stdout: stdio.stdout, stderr: stdio.stderr, status };
}
