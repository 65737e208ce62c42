/** Finding images in the index by name, tag, digest or (short) ID — as Docker resolves them. */
import { BerthError, NotFoundError } from "../util/errors.ts";
import { DEFAULT_REGISTRY, formatReference, parseReference, repoName } from "./reference.ts";
import type { ImageIndexFile, ImageRecord } from "./store.ts";

/** The record for `nameOrId`, or undefined. Throws on an ambiguous short ID. */
export function findImage(index: ImageIndexFile, nameOrId: string): ImageRecord | undefined {
  const images = Object.values(index.images);
  const idLike = nameOrId.replace(/^sha256:/, "");
  if (/^[a-f0-9]{3,64}$/.test(idLike)) {
    const hits = images.filter((r) => r.id.slice(7).startsWith(idLike));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1 && !nameOrId.includes(":")) {
      throw new BerthError(`image ID "${nameOrId}" is ambiguous: it matches ${hits.length} images`);
    }
  }
  let ref;
  try {
    ref = parseReference(nameOrId);
  } catch {
    return undefined;
  }
  if (ref.digest) {
    const want = `${repoName(ref)}@${ref.digest}`;
    return images.find((r) => r.repoDigests.includes(want));
  }
  const tag = formatReference(ref);
  const found = images.find((r) => r.repoTags.includes(tag));
  if (found || ref.registry !== DEFAULT_REGISTRY || nameOrId.startsWith(DEFAULT_REGISTRY)) return found;
  // a short name also finds an image Podman or Buildah made (`localhost/NAME`), as Podman's short names do
  const local = `localhost/${ref.repository.replace(/^library\//, "")}:${ref.tag ?? "latest"}`;
  return images.find((r) => r.repoTags.includes(local));
}

/** Like {@link findImage} but throws Docker's "No such image". */
export function requireImage(index: ImageIndexFile, nameOrId: string): ImageRecord {
  const rec = findImage(index, nameOrId);
  if (!rec) throw new NotFoundError(`No such image: ${nameOrId}`);
  return rec;
}

/** Moves `tag` (full form) to `rec`, removing it from whichever image had it. */
export function assignTag(index: ImageIndexFile, rec: ImageRecord, tag: string): void {
  for (const other of Object.values(index.images)) {
    if (other.id !== rec.id) other.repoTags = other.repoTags.filter((t) => t !== tag);
  }
  if (!rec.repoTags.includes(tag)) rec.repoTags.push(tag);
}
