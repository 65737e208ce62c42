/**
 * The content store under berth's root:
 *
 * ```
 * ROOT/blobs/sha256/HEX      compressed blobs, manifests, configs — only ever renamed in once verified
 * ROOT/layers/sha256/HEX/    unpacked layers by diff_id, in overlayfs form (whiteouts are char 0:0)
 * ROOT/images.json           the image index: what `berth images` lists (atomic writes, under lock)
 * ROOT/tmp/PID-N/            work in progress of one process; removed when that process is gone
 * ROOT/lock                  flock for the index
 * ROOT/gc.lock               shared by pulls and loads, exclusive for garbage collection
 * ```
 */
import { BerthError } from "../util/errors.ts";
import { join } from "../util/path.ts";
import { readJsonSync, writeFileAtomicSync } from "../util/atomic_write.ts";
import { withLock } from "../util/lock.ts";
import { pidAlive } from "../util/proc_stat.ts";
import type { Platform } from "./manifest.ts";

export interface LayerRecord {
  /** compressed blob digest, as in the manifest */
  digest: string;
  diffId: string;
  mediaType: string;
  size: number;
  /** bytes of regular files once unpacked */
  unpackedSize?: number;
  /** bytes of the uncompressed layer tar */
  tarSize?: number;
}

export interface ImageRecord {
  /** the config digest: Docker's image ID */
  id: string;
  manifestDigest: string;
  manifestMediaType: string;
  repoTags: string[];
  repoDigests: string[];
  layers: LayerRecord[];
  /** bytes of the unpacked layers */
  size: number;
  created?: string;
  platform: Platform;
  addedAt: string;
}

export interface ImageIndexFile {
  version: 1;
  images: Record<string, ImageRecord>;
}

export const DEFAULT_ROOT = "/var/lib/berth";

export class Store {
  constructor(readonly root: string) {}

  /** Pulls and loads hold this shared; garbage collection takes it exclusively. */
  get gcLockPath(): string {
    return join(this.root, "gc.lock");
  }

  blobPath(digest: string): string {
    return join(this.root, "blobs", "sha256", digest.slice(7));
  }

  layerPath(diffId: string): string {
    return join(this.root, "layers", "sha256", diffId.slice(7));
  }

  hasBlob(digest: string): boolean {
    return exists(this.blobPath(digest));
  }

  hasLayer(diffId: string): boolean {
    return exists(this.layerPath(diffId));
  }

  /** Creates the directory layout (idempotent) and removes what dead processes left in tmp/. */
  init(): void {
    for (const d of ["blobs/sha256", "layers/sha256", "tmp"]) Deno.mkdirSync(join(this.root, d), { recursive: true });
    Deno.chmodSync(this.root, 0o700);
    this.#cleanStaleTmp();
  }

  /** A fresh work directory for this process under ROOT/tmp (same filesystem, so renames are atomic). */
  makeTempDir(): string {
    return Deno.makeTempDirSync({ dir: join(this.root, "tmp"), prefix: `${Deno.pid}-` });
  }

  #cleanStaleTmp(): void {
    const tmp = join(this.root, "tmp");
    for (const e of Deno.readDirSync(tmp)) {
      const pid = Number(e.name.split("-")[0]);
      if (pid && pid !== Deno.pid && !pidAlive(pid)) {
        Deno.removeSync(join(tmp, e.name), { recursive: true });
      }
    }
  }

  readIndex(): ImageIndexFile {
    const path = join(this.root, "images.json");
    const index = readJsonSync<ImageIndexFile>(path, { version: 1, images: {} });
    if (!index || typeof index !== "object" || typeof index.images !== "object" || index.images === null) {
      throw new BerthError(`${path} is corrupt (not an image index); move it away or restore it`);
    }
    return index;
  }

  /** Read-modify-write of the image index under the lock; `fn` returns the value passed back. */
  updateIndex<T>(fn: (index: ImageIndexFile) => T): Promise<T> {
    return withLock(join(this.root, "lock"), () => {
      const index = this.readIndex();
      const out = fn(index);
      writeFileAtomicSync(join(this.root, "images.json"), JSON.stringify(index, null, 1) + "\n", 0o600);
      return out;
    });
  }

  /** Reads a blob that must exist (manifest, config). */
  readBlob(digest: string): Uint8Array {
    return Deno.readFileSync(this.blobPath(digest));
  }
}

export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
