/** Small verified blobs (manifests, configs): read fully with a size cap, checked, stored atomically. */
import { sha256Of } from "../util/sha256.ts";
import { BerthError } from "../util/errors.ts";
import { writeFileAtomicSync } from "../util/atomic_write.ts";
import type { Store } from "./store.ts";

/** `sha256:<hex>` of a small blob */
export const sha256Digest = sha256Of;

/** Reads a response body, refusing more than `max` bytes. */
export async function readCapped(res: Response, max: number, what: string): Promise<Uint8Array> {
  const len = Number(res.headers.get("content-length") ?? NaN);
  if (len > max) {
    await res.body?.cancel();
    throw new BerthError(`${what}: refusing ${len} bytes (more than ${max})`);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      total += chunk.length;
      if (total > max) throw new BerthError(`${what}: refusing more than ${max} bytes`);
      parts.push(chunk);
    }
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Checks `bytes` against `digest` (and `size` when given) and stores them as a blob. */
export async function storeVerifiedBlob(
  store: Store,
  digest: string,
  bytes: Uint8Array,
  what: string,
  size?: number,
): Promise<void> {
  if (size !== undefined && bytes.length !== size) {
    throw new BerthError(`${what}: size ${bytes.length} does not match descriptor size ${size}`);
  }
  const got = await sha256Digest(bytes);
  if (got !== digest) throw new BerthError(`${what}: content does not match digest ${digest} (got ${got})`);
  if (!store.hasBlob(digest)) writeFileAtomicSync(store.blobPath(digest), bytes);
}
