/**
 * `network prune` and `volume prune`: the user networks and the volumes no container uses, removed — for the
 * CLI and the Engine API alike. (Containers: lifecycle.ts pruneContainers; images: image/prune.ts.)
 */
import { listNetworks, removeNetwork } from "./network/networks.ts";
import { listRecords, volumeUsers } from "./state.ts";
import { listVolumes, removeVolume } from "./volumes.ts";

/** The names of the networks removed (never the default `bridge`, nor one a container is on). */
export async function pruneNetworks(root: string): Promise<string[]> {
  const used = new Set(listRecords(root).flatMap((r) => [r.spec.network, ...(r.spec.extraNetworks ?? [])]));
  const deleted: string[] = [];
  for (const n of listNetworks(root)) {
    if (used.has(n.name) || n.name === "bridge") continue;
    await removeNetwork(root, n.name);
    deleted.push(n.name);
  }
  return deleted;
}

/** The names of the volumes removed (none a container, running or not, mounts). */
export async function pruneVolumes(root: string): Promise<string[]> {
  const deleted: string[] = [];
  for (const v of listVolumes(root)) {
    if (volumeUsers(root, v.Name).length) continue;
    await removeVolume(root, v.Name, []);
    deleted.push(v.Name);
  }
  return deleted;
}
