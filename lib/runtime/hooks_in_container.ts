/**
 * The OCI hooks that run *in the container's namespaces*: createContainer (its program found in the
 * runtime's namespace, run before pivot_root) and startContainer (found and run in the container, before
 * the user's program). Each hook is started as an init stub that joins the container's cgroup and PID
 * namespace, opens its program where the spec says to find it, joins the container process's other
 * namespaces (the mount namespace last), and execs it with the state on stdin — as runc runs them from
 * inside its container init.
 */
import { BerthError } from "../util/errors.ts";
import { closeFd, O_CLOEXEC, O_RDONLY, pipe, readAllText, writeAllSync } from "../ffi/fd.ts";
import { SYS } from "./init_program.ts";
import {
  defaultSignalsCalls,
  type JoinableNamespace,
  joinCgroup,
  joinNamespacesCalls,
} from "./process_calls.ts";
import { SetupError, spawnInit } from "./spawn_init.ts";
import type { HookName, OciHook } from "./oci_config.ts";

export interface HookTarget {
  /** the container's process, whose namespaces the hook joins */
  pid: number;
  namespaces: JoinableNamespace[];
  /** whether the container has a PID namespace of its own (the hook joins it) */
  pidNamespace: boolean;
  /** the cgroup.procs files of the container's cgroup */
  procsFiles: string[];
}

const AT_EMPTY_PATH = 0x1000;
/** where the hook's program, opened before the namespaces change, waits for execveat */
const PROGRAM_FD = 250;

/** Runs `hooks` in order; the first failure (exit status, timeout, missing program) is the error. */
export async function runHooksInContainer(
  name: HookName,
  hooks: OciHook[] | undefined,
  state: unknown,
  target: HookTarget,
  /** where the hook's path is resolved: the runtime's namespace (createContainer) or the container's */
  resolveIn: "runtime" | "container",
): Promise<void> {
  for (const [i, h] of (hooks ?? []).entries()) {
    const what = `${name} hook #${i} (${h.path})`;
    const [inR, inW] = pipe();
    const [errR, errW] = pipe();
    let init: ReturnType<typeof spawnInit>;
    try {
      init = spawnInit(
        (p) => joinCgroup(p, target.procsFiles, false),
        { 0: inR, 1: errW, 2: errW },
        target.pidNamespace ? `/proc/${target.pid}/ns/pid` : "inherit",
      );
    } finally {
      closeFd(inR);
      closeFd(errW);
    }
    const argv = h.args?.length ? h.args : [h.path];
    init.start((p) => {
      if (resolveIn === "runtime") {
        p.call(`open ${h.path}`, SYS.open, [h.path, O_RDONLY | O_CLOEXEC, 0]);
        // dup2's copy is not close-on-exec: a script's interpreter can still read /proc/self/fd/N
        p.call(`hold ${h.path}`, SYS.dup2, [null, PROGRAM_FD], { previousResult: true });
      }
      joinNamespacesCalls(p, target.pid, target.namespaces);
      p.call("chdir /", SYS.chdir, ["/"]);
      defaultSignalsCalls(p);
      if (resolveIn === "runtime") {
        p.call("exec", SYS.execveat, [
          PROGRAM_FD,
          "",
          p.strings(argv),
          p.strings(h.env ?? []),
          AT_EMPTY_PATH,
        ]);
      } else p.call("exec", SYS.execve, [h.path, p.strings(argv), p.strings(h.env ?? [])]);
      p.call("exit", SYS.exit_group, [127]);
    });
    try {
      writeAllSync(inW, new TextEncoder().encode(JSON.stringify(state))); // small: the pipe takes it whole
    } catch {
      /* it did not read its stdin */
    } finally {
      closeFd(inW);
    }
    const stderr = readAllText(errR).then((t) => t.trim());
    let timedOut = false;
    const timer = h.timeout && h.timeout > 0
      ? setTimeout(() => {
        timedOut = true;
        init.abort();
      }, h.timeout * 1000)
      : undefined;
    try {
      await init.ready;
    } catch (err) {
      clearTimeout(timer);
      await init.exited;
      await stderr;
      throw new BerthError(`${what}: ${err instanceof SetupError ? err.message : (err as Error).message}`, 1);
    }
    const [status, err] = await Promise.all([init.exited, stderr]);
    clearTimeout(timer);
    if (timedOut) throw new BerthError(`${what}: timed out after ${h.timeout} s`, 1);
    if (status.code !== 0) {
      throw new BerthError(`${what}: exit status ${status.code}${err ? `, stderr: ${err}` : ""}`, 1);
    }
  }
}
