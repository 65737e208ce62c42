/**
 * `system reset`: everything a root made, gone — on the host (containers' processes, mounts and cgroups,
 * networks' bridges and iptables rules, volumes' mounts) and on disk (the whole root directory).
 *
 * @example
 * ```ts
 * await resetRoot("/var/lib/berth-scratch");
 * ```
 */
import { BerthError } from "../util/errors.ts";
import { join } from "../util/path.ts";
import { removeContainer } from "./lifecycle.ts";
import { listNetworks, removeNetwork } from "./network/networks.ts";
import { listRecords } from "./state.ts";
import { listVolumes, removeVolume } from "./volumes.ts";

/** How long the supervisor may take to leave once its containers are gone (its idle exit is 3 s). */
const SUPERVISOR_LEAVES_MS = 6000;

export async function resetRoot(root: string): Promise<void> {
  try {
    if (!Deno.statSync(root).isDirectory) throw new BerthError(`${root} is not a directory`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return; // nothing was made
    throw err;
  }
  for (const r of listRecords(root)) await removeContainer(root, r.spec.id, { force: true, volumes: true });
  for (const n of listNetworks(root)) await removeNetwork(root, n.name);
  for (const v of listVolumes(root)) await removeVolume(root, v.Name, []);
  // the supervisor leaves once it has nothing to watch; its lock, held, keeps a new one from starting
  const lock = Deno.openSync(join(root, "supervisor.lock"), { read: true, write: true, create: true, mode: 0o600 });
  try {
    const t0 = performance.now();
    while (!lock.tryLockSync(true)) {
      if (performance.now() - t0 > SUPERVISOR_LEAVES_MS) {
        throw new BerthError(`a berth supervisor still serves ${root} (a 'berth system service' with -t 0?): stop it, then reset again`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    Deno.removeSync(root, { recursive: true });
  } finally {
    lock.close();
  }
}
