/**
 * The OCI runtime's operations on a created container: state, start, kill, delete, pause/resume, ps
 * and list — with runc's error wording, which callers (containerd, conmon) match.
 */
import { BerthError } from "../util/errors.ts";
import { parseSignal } from "../container/signals.ts";
import { ociCgroup } from "./oci_cgroup.ts";
import { runHooks } from "./hooks.ts";
import { runHooksInContainer } from "./hooks_in_container.ts";
import { listIds, mustReadState, type OciStatus, processAlive, readState, type RuntimeState, stateDir, statusOf, writeState } from "./runtime_state.ts";

const SIGUSR1 = "SIGUSR1";

/** The state as the OCI runtime spec (and runc's `state`) prints it. */
export function ociState(s: RuntimeState, status: OciStatus): Record<string, unknown> {
  return {
    ociVersion: "1.0.2",
    id: s.id,
    pid: status === "stopped" ? 0 : s.pid,
    status,
    bundle: s.bundle,
    rootfs: s.rootfs,
    created: s.created,
    annotations: s.annotations,
    owner: s.owner,
  };
}

function frozen(s: RuntimeState): () => boolean {
  return () => {
    try {
      return ociCgroup(s.cgroupPath).isFrozen();
    } catch {
      return false;
    }
  };
}

export function containerStatus(s: RuntimeState): OciStatus {
  return statusOf(s, frozen(s));
}

export function stateOf(root: string, id: string): Record<string, unknown> {
  const s = mustReadState(root, id);
  return ociState(s, containerStatus(s));
}

/** `start`: lets a created container's process go on to its execve; then the poststart hooks. */
export async function ociStart(root: string, id: string): Promise<void> {
  const s = mustReadState(root, id);
  const status = containerStatus(s);
  if (status === "stopped") throw new BerthError("cannot start a container that has stopped", 1);
  if (status !== "created") throw new BerthError("cannot start an already running container", 1);
  // in the container (its namespaces, its root) before the user's program; a failure kills the container, as runc does
  try {
    await runHooksInContainer("startContainer", s.hooks?.startContainer, ociState(s, "created"), {
      pid: s.pid,
      namespaces: s.namespaces ?? ["mount"],
      pidNamespace: s.pidNamespace ?? true,
      procsFiles: ociCgroup(s.cgroupPath).procsFiles,
    }, "container");
  } catch (err) {
    try {
      Deno.kill(s.pid, "SIGKILL");
    } catch { /* gone */ }
    throw err;
  }
  writeState(root, { ...s, started: true });
  Deno.kill(s.pid, SIGUSR1);
  try {
    await runHooks("poststart", s.hooks?.poststart, ociState(s, "running"));
  } catch (err) {
    console.error(`berth: warning: ${(err as Error).message}`); // poststart failures are logged, not fatal
  }
}

/** `kill [--all] ID [SIGNAL]`: a number or a name, with or without SIG (default TERM). */
export function ociKill(root: string, id: string, signal = "SIGTERM", all = false): void {
  const s = mustReadState(root, id);
  const sig = parseSignal(signal);
  if (!processAlive(s) && !all) throw new BerthError("container not running", 1);
  const pids = all ? ociCgroup(s.cgroupPath).pids() : [s.pid];
  for (const pid of pids) {
    try {
      Deno.kill(pid, sig as Deno.Signal);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
}

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** `delete [--force]`: a stopped or created container goes (a created one is killed first, as runc does). */
export async function ociDelete(root: string, id: string, force = false): Promise<void> {
  const s = readState(root, id);
  if (!s) {
    // a directory without a state (a create that was killed): nothing runs, it is removed
    try {
      Deno.statSync(stateDir(root, id));
    } catch {
      if (force) return;
      throw new BerthError("container does not exist", 1);
    }
    Deno.removeSync(stateDir(root, id), { recursive: true });
    return;
  }
  const status = containerStatus(s);
  if ((status === "running" || status === "paused") && !force) {
    throw new BerthError(`cannot delete container ${id} that is not stopped: ${status}`, 1);
  }
  const cgroup = ociCgroup(s.cgroupPath);
  if (status !== "stopped") {
    if (status === "paused") cgroup.freeze(false);
    for (const pid of new Set([s.pid, ...cgroup.pids()])) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    await until(() => !processAlive(s), 5000);
  }
  await cgroup.destroy();
  Deno.removeSync(stateDir(root, id), { recursive: true });
  try {
    await runHooks("poststop", s.hooks?.poststop, ociState(s, "stopped"));
  } catch (err) {
    console.error(`berth: warning: ${(err as Error).message}`);
  }
}

export function ociPause(root: string, id: string, paused: boolean): void {
  const s = mustReadState(root, id);
  const status = containerStatus(s);
  if (paused && status !== "running" && status !== "created") throw new BerthError("container not running", 1);
  if (!paused && status !== "paused") throw new BerthError("container not paused", 1);
  ociCgroup(s.cgroupPath).freeze(paused);
}

/** The pids in the container's cgroup. */
export function ociPids(root: string, id: string): number[] {
  const s = mustReadState(root, id);
  return ociCgroup(s.cgroupPath).pids();
}

export function ociList(root: string): Array<Record<string, unknown>> {
  return listIds(root).map((id) => readState(root, id)).filter((s): s is RuntimeState => !!s).map((s) => ociState(s, containerStatus(s)));
}
