/**
 * What berth commands do to containers that exist: stop, kill, wait, remove, pause, rename, prune.
 * The process watching a container (a foreground `berth run` or the supervisor) records its exit;
 * these commands signal and then wait for that record, so every exit code is the real one.
 */
import { logEvent } from "./events_log.ts";
import { BerthError, ConflictError, NotFoundError } from "../util/errors.ts";
import { containerCgroup } from "./cgroups/cgroup.ts";
import { reconcile, teardown } from "./cleanup.ts";
import { parseSignal } from "./signals.ts";
import { unpublishPorts } from "./network/ports.ts";
import { listNetworks, networkLeases, release } from "./network/networks.ts";
import {
  claimedName,
  claimName,
  type ContainerRecord,
  CorruptRecordError,
  findContainer,
  listRecords,
  lockContainerStart,
  pidAlive,
  readRecord,
  releaseName,
  updateRecord,
} from "./state.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The container, with the state of killed monitors repaired first (so it tells the truth). */
export async function getContainer(root: string, ref: string): Promise<ContainerRecord> {
  await reconcile(root);
  const rec = findContainer(root, ref);
  if (!rec) throw new NotFoundError(`No such container: ${ref}`);
  return rec;
}

/** A pid that is gone or a zombie (its watcher has not reaped it yet). */
const exited = (pid: number | undefined) => !pidAlive(pid);

/** Waits until the watcher has recorded the exit (or is gone itself); returns the record. */
async function untilRecordedExit(root: string, id: string, timeoutMs = 30_000): Promise<ContainerRecord | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rec = readRecord(root, id);
    if (!rec || (rec.state.status !== "running" && !rec.state.restarting)) return rec;
    if (!pidAlive(rec.state.monitorPid)) {
      await reconcile(root);
      return readRecord(root, id);
    }
    if (Date.now() > until) throw new BerthError(`container ${id.slice(0, 12)} did not finish within ${timeoutMs / 1000}s`);
    await sleep(20);
  }
}

/** Stopped by hand: restart policies leave it alone, and a back-off restart still pending is off. */
function markStopped(root: string, rec: ContainerRecord): void {
  updateRecord(root, rec.spec.id, (now) => ({ spec: now.spec, state: { ...now.state, manuallyStopped: true, restarting: false } }));
}

/** `stop`: the image's StopSignal (or SIGTERM), then SIGKILL after `timeoutSec`. */
/**
 * `stop`: the stop signal (`signal`, else the container's --stop-signal or its image's, else TERM), then KILL after
 * `timeoutSec` (default: the container's --stop-timeout, else 10 s).
 */
export async function stopContainer(root: string, ref: string, timeoutSec?: number, signal?: string): Promise<ContainerRecord> {
  const found = await getContainer(root, ref);
  // decided under the start lock: a start in progress finishes first (and is stopped below), and a
  // restart the policy scheduled sees the stop (see LaunchPlan.unlessStopped)
  const startLock = await lockContainerStart(root, found.spec.id);
  let rec: ContainerRecord;
  try {
    rec = readRecord(root, found.spec.id) ?? found;
    markStopped(root, rec);
  } finally {
    startLock?.close();
  }
  const pid = rec.state.pid;
  if (rec.state.status === "running" && pid) {
    const paused = rec.state.paused;
    if (paused) containerCgroup(rec.spec.id).freeze(false);
    try {
      Deno.kill(pid, parseSignal(signal ?? rec.spec.stopSignal ?? "SIGTERM"));
    } catch { /* already gone */ }
    const until = Date.now() + (timeoutSec ?? rec.spec.stopTimeout ?? 10) * 1000;
    while (!exited(pid) && Date.now() < until) await sleep(20);
    if (!exited(pid)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
  return (await untilRecordedExit(root, rec.spec.id)) ?? rec;
}

/** `kill -s SIG`: a signal to the container's first process (it must run). */
export async function killContainer(root: string, ref: string, signal = "SIGKILL"): Promise<ContainerRecord> {
  const sig = parseSignal(signal);
  const rec = await getContainer(root, ref);
  if (rec.state.status !== "running" || !rec.state.pid) {
    throw new ConflictError(`Cannot kill container: ${ref}: container ${rec.spec.id} is not running`);
  }
  if (sig === "SIGKILL" || sig === "SIGTERM") markStopped(root, rec);
  if (rec.state.paused && sig === "SIGKILL") containerCgroup(rec.spec.id).freeze(false);
  Deno.kill(rec.state.pid, sig);
  return rec;
}

/** `wait`: blocks until the container has exited (and will not restart); returns its exit code. */
export async function waitContainer(root: string, ref: string): Promise<number> {
  const rec = await getContainer(root, ref);
  for (;;) {
    const now = readRecord(root, rec.spec.id);
    if (!now) return rec.state.exitCode ?? 0; // removed (--rm) meanwhile
    if (now.state.status !== "running" && !now.state.restarting) return now.state.exitCode ?? 0;
    if (!pidAlive(now.state.monitorPid)) await reconcile(root);
    await sleep(50);
  }
}

/** `rm [-f] [-v]`: a running container only with force (killed first); -v also its anonymous volumes. */
export async function removeContainer(root: string, ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<string> {
  let rec: ContainerRecord;
  try {
    rec = await getContainer(root, ref);
  } catch (err) {
    if (!(err instanceof CorruptRecordError) || !opts.force) throw err;
    await removeUnreadable(root, err.id);
    return err.id;
  }
  // a start in progress finishes first (the container is then running, and killed below)
  const startLock = await lockContainerStart(root, rec.spec.id);
  try {
    const now = startLock && readRecord(root, rec.spec.id);
    if (!now) throw new NotFoundError(`No such container: ${ref}`);
    rec = now;
    return await removeLocked(root, rec, opts);
  } finally {
    startLock?.close();
  }
}

async function removeLocked(root: string, rec: ContainerRecord, opts: { force?: boolean; volumes?: boolean }): Promise<string> {
  if (rec.state.status === "running" || rec.state.restarting) {
    if (!opts.force) {
      throw new ConflictError(
        `cannot remove container "/${rec.spec.name}": container is running: stop the container before removing or force remove`,
      );
    }
    markStopped(root, rec);
    if (rec.state.pid && rec.state.status === "running") {
      if (rec.state.paused) containerCgroup(rec.spec.id).freeze(false);
      try {
        Deno.kill(rec.state.pid, "SIGKILL");
      } catch { /* gone */ }
    }
    rec = (await untilRecordedExit(root, rec.spec.id)) ?? rec;
  }
  await teardown(root, rec.spec, true, !!opts.volumes);
  return rec.spec.id;
}

/**
 * `rm -f` of a container whose record cannot be read: everything berth keeps by the container's ID goes —
 * processes in its cgroup, its published ports and network leases, its mounts, its name and directory.
 */
async function removeUnreadable(root: string, id: string): Promise<void> {
  await unpublishPorts(id);
  for (const n of listNetworks(root)) {
    if ([...networkLeases(root, n.name).values()].includes(id)) await release(root, n.name, id);
  }
  await teardown(root, { id, name: claimedName(root, id) ?? "", mounts: [] }, true);
}

export function pauseContainer(root: string, rec: ContainerRecord, paused: boolean): void {
  if (rec.state.status !== "running") throw new ConflictError(`Container ${rec.spec.id} is not running`);
  if (!!rec.state.paused === paused) {
    throw new ConflictError(`Container ${rec.spec.id} is ${paused ? "already paused" : "not paused"}`);
  }
  containerCgroup(rec.spec.id).freeze(paused);
  updateRecord(root, rec.spec.id, (now) => ({ spec: now.spec, state: { ...now.state, paused } }));
  logEvent(root, rec.spec, paused ? "pause" : "unpause");
}

export async function renameContainer(root: string, ref: string, newName: string): Promise<void> {
  const rec = await getContainer(root, ref);
  claimName(root, newName, rec.spec.id);
  const old = rec.spec.name;
  updateRecord(root, rec.spec.id, (now) => ({ spec: { ...now.spec, name: newName.replace(/^\//, "") }, state: now.state }));
  releaseName(root, old, rec.spec.id);
  logEvent(root, { ...rec.spec, name: newName.replace(/^\//, "") }, "rename", { oldName: `/${old}` });
}

/** `prune`: removes every container that is not running; returns their IDs. */
export async function pruneContainers(root: string): Promise<string[]> {
  await reconcile(root);
  const out: string[] = [];
  for (const rec of listRecords(root)) {
    if (rec.state.status === "running" || rec.state.restarting) continue;
    await teardown(root, rec.spec, true, false);
    out.push(rec.spec.id);
  }
  return out;
}
