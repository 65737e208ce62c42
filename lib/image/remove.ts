/**
 * `berth rmi`: untag, delete the image record when no tag is left, then collect the blobs and
 * unpacked layers no remaining image uses (shared layers stay).
 */
import { BerthError, ConflictError, NotFoundError } from "../util/errors.ts";
import { withLock } from "../util/lock.ts";
import { findImage } from "./image_lookup.ts";
import { familiarName, formatReference, parseReference } from "./reference.ts";
import { exists, type ImageIndexFile, Store } from "./store.ts";
import { containerIds, listRecords, readRecord } from "../container/state.ts";

export interface RemoveOptions {
  root: string;
  force?: boolean;
}

/** Removes one image (or one of its tags); returns Docker's "Untagged:"/"Deleted:" lines. */
export async function removeImage(nameOrId: string, opts: RemoveOptions): Promise<string[]> {
  const store = new Store(opts.root);
  store.init();
  const out: string[] = [];
  const deleted = await store.updateIndex((index) => {
    const rec = findImage(index, nameOrId);
    if (!rec) throw new NotFoundError(`No such image: ${nameOrId}`);
    let byTag: string | undefined;
    try {
      const ref = parseReference(nameOrId);
      if (!ref.digest && rec.repoTags.includes(formatReference(ref))) byTag = formatReference(ref);
    } catch { /* an ID */ }
    if (byTag && rec.repoTags.length > 1) {
      rec.repoTags = rec.repoTags.filter((t) => t !== byTag);
      out.push(`Untagged: ${familiarName(byTag)}`);
      return false;
    }
    // an image a container (running or not) was made from stays: Docker's conflicts, and -f only untags
    const users = listRecords(opts.root).filter((r) => r.spec.imageId === rec.id);
    if (users.length) {
      const running = users.find((r) => r.state.status === "running");
      const user = running ?? users[0];
      const cid = user.spec.id.slice(0, 12);
      if (!opts.force) {
        if (byTag) {
          throw new ConflictError(`conflict: unable to remove repository reference "${nameOrId}" (must force) - container ${cid} is using its referenced image ${rec.id.slice(7, 19)}`);
        }
        throw new ConflictError(`conflict: unable to delete ${rec.id.slice(7, 19)} (must be forced) - image is being used by ${running ? "running" : "stopped"} container ${cid}`);
      }
      if (!byTag && running) {
        throw new ConflictError(`conflict: unable to delete ${rec.id.slice(7, 19)} (cannot be forced) - image is being used by running container ${cid}`);
      }
      for (const t of rec.repoTags) out.push(`Untagged: ${familiarName(t)}`);
      rec.repoTags = [];
      return false;
    }
    if (!byTag && rec.repoTags.length > 1 && !opts.force) {
      throw new BerthError(
        `conflict: unable to delete ${rec.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`,
      );
    }
    for (const t of rec.repoTags) out.push(`Untagged: ${familiarName(t)}`);
    for (const d of rec.repoDigests) out.push(`Untagged: ${familiarName(d)}`);
    delete index.images[rec.id];
    out.push(`Deleted: ${rec.id}`);
    return true;
  });
  if (deleted) await collectGarbage(store);
  return out;
}

/** Deletes blobs and layers that no image in the index references. */
export async function collectGarbage(store: Store): Promise<void> {
  await withLock(store.gcLockPath, () => {
    const index: ImageIndexFile = store.readIndex();
    const blobs = new Set<string>();
    const layers = new Set<string>();
    for (const img of Object.values(index.images)) {
      blobs.add(img.id);
      blobs.add(img.manifestDigest);
      for (const d of img.repoDigests) blobs.add(d.slice(d.indexOf("@") + 1));
      for (const l of img.layers) {
        blobs.add(l.digest);
        layers.add(l.diffId);
      }
    }
    // whatever a container stands on stays, whatever happened to its image's record
    for (const id of containerIds(store.root)) {
      for (const path of readRecord(store.root, id)?.spec.layers ?? []) layers.add(`sha256:${path.split("/").pop()}`);
    }
    sweep(store.blobPath("sha256:").replace(/\/$/, ""), blobs);
    sweep(store.layerPath("sha256:").replace(/\/$/, ""), layers);
  });
}

function sweep(dir: string, keep: Set<string>): void {
  if (!exists(dir)) return;
  for (const e of Deno.readDirSync(dir)) {
    if (!keep.has(`sha256:${e.name}`)) Deno.removeSync(`${dir}/${e.name}`, { recursive: true });
  }
}
