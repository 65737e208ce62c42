/**
 * Taking a container down: its cgroup (and any process left in it), its rootfs mount, berth's devpts
 * mount for -t, and — when it is removed — its directory and anonymous volumes. Every step tolerates
 * what is already gone, so it serves both a normal exit and the repair of a killed berth's leftovers.
 */
import { logEvent } from "./events_log.ts";
import { join } from "../util/path.ts";
import { MNT_DETACH, umount2 } from "../ffi/namespaces.ts";
import { messageOf } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { containerCgroup } from "./cgroups/cgroup.ts";
import { unmountRootfs } from "./rootfs.ts";
import type { ContainerSpec } from "./spec.ts";
import { containerDir, listRecords, pidAlive, releaseName, updateRecord } from "./state.ts";
import { leaveNetworks } from "./network/leave.ts";
import { removeVolume } from "./volumes.ts";

/** Stops everything the container holds; removes it when `remove` (its volumes only if `removeVolumes`). */
export async function teardown(
  root: string,
  spec: Pick<ContainerSpec, "id" | "name" | "mounts"> & Partial<Pick<ContainerSpec, "image" | "labels">>,
  remove: boolean,
  removeVolumes = true,
): Promise<void> {
  const dir = containerDir(root, spec.id);
  await containerCgroup(spec.id).destroy();
  debug("cgroup removed");
  try {
    umount2(join(dir, "pts"), MNT_DETACH);
  } catch { /* not mounted */ }
  unmountRootfs(dir);
  debug("rootfs unmounted");
  if (!remove) return;
  // the record goes first: a crash halfway leaves an unlisted directory, never a broken container
  try {
    Deno.removeSync(join(dir, "container.json"));
  } catch { /* not written yet */ }
  if (spec.name) releaseName(root, spec.name, spec.id);
  logEvent(root, { id: spec.id, name: spec.name, image: spec.image ?? "", labels: spec.labels }, "destroy");
  Deno.removeSync(dir, { recursive: true });
  debug("container directory removed");
  for (const m of removeVolumes ? spec.mounts : []) {
    if (m.type === "volume" && m.anonymous) {
      try {
        await removeVolume(root, m.source);
      } catch (err) {
        debug(`anonymous volume ${m.source}: ${messageOf(err)}`);
      }
    }
  }
}

export const KILLED_WITH_BERTH = "the berth process watching the container was killed, and the container with it";

/**
 * Repairs what berth processes that died (kill -9, power cut) left: a container whose watching berth
 * process is gone was killed with it (PR_SET_PDEATHSIG), so it is torn down and recorded as exited
 * with 137, or removed if it was started with --rm. Returns the IDs it repaired.
 */
export async function reconcile(root: string): Promise<string[]> {
  const repaired: string[] = [];
  for (const rec of listRecords(root)) {
    const { state, spec } = rec;
    if (state.status === "exited" || pidAlive(state.monitorPid)) continue;
    if (state.status === "created" && !state.monitorPid) continue; // created, never started
    try {
      if (state.network) await leaveNetworks(root, spec.id);
      await teardown(root, spec, spec.autoRemove);
      if (!spec.autoRemove) {
        updateRecord(root, spec.id, (now) => ({
          spec: now.spec,
          state: {
            ...now.state,
            status: "exited",
            exitCode: 137,
            finishedAt: new Date().toISOString(),
            error: KILLED_WITH_BERTH,
            network: undefined,
            ports: undefined,
          },
        }));
      }
      repaired.push(spec.id);
    } catch (err) {
      debug(`reconcile ${spec.id}: ${messageOf(err)}`);
    }
  }
  return repaired;
}
