/**
 * `image prune`: the images no container uses — dangling ones (untagged), or with `all` every unused image —
 * removed; for the CLI and the Engine API's `/images/prune` alike.
 */
import { listRecords } from "../container/state.ts";
import { listImages } from "./list.ts";
import { removeImage } from "./remove.ts";

export interface ImagePruneResult {
  /** removeImage's lines: "Untagged: …" and "Deleted: …" */
  lines: string[];
  spaceReclaimed: number;
}

export async function pruneImages(root: string, all = false): Promise<ImagePruneResult> {
  const used = new Set(listRecords(root).map((r) => r.spec.imageId));
  const lines: string[] = [];
  let spaceReclaimed = 0;
  const seen = new Set<string>();
  for (const row of listImages(root)) {
    if (seen.has(row.id) || used.has(row.id)) continue;
    if (!all && row.repository !== "<none>") continue;
    seen.add(row.id);
    try {
      lines.push(...await removeImage(row.id, { root, force: true }));
      spaceReclaimed += row.size;
    } catch { /* in use meanwhile */ }
  }
  return { lines, spaceReclaimed };
}
