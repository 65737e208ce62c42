/**
 * One layer, streamed: bytes in → sha256 of the compressed blob (and a copy into the blob store) →
 * decompress (gzip/zstd/none) → sha256 of the tar (the diff_id) → tar parser → {@link LayerApplier}.
 *
 * Everything lands under temp names in the caller's temp directory and is kept there only when both
 * digests and the size match. {@link commitLayers} then makes a whole pull's layers durable with one
 * syncfs and renames them into `blobs/` and `layers/`. A layer some other pull finished first is kept
 * and ours is dropped, so concurrent pulls neither corrupt nor duplicate.
 */
import { sha256Stream, type StreamHasher } from "../util/sha256.ts";
import { dirname, join } from "../util/path.ts";
import { fsyncDirSync } from "../util/atomic_write.ts";
import * as libc from "../ffi/libc.ts";
import { debug } from "../util/log.ts";
import { type Decompressor, openDecompressor } from "./decompress.ts";
import { LayerApplier } from "./layer_apply.ts";
import { BackgroundSync } from "./background_sync.ts";
import { layerCompression } from "./manifest.ts";
import { exists, Store } from "./store.ts";
import { TarParser } from "./tar_reader.ts";

export interface UnpackJob {
  storeRoot: string;
  /** a directory of this process's under ROOT/tmp */
  tmpDir: string;
  /** blob digest, size and media type from the manifest */
  digest: string;
  size: number;
  mediaType: string;
  /** the config's diff_id for this layer */
  diffId: string;
}

export interface UnpackResult {
  /** bytes of regular files written */
  unpackedBytes: number;
  /** bytes of the uncompressed tar (a docker-archive needs it up front) */
  tarSize: number;
}

export class DigestMismatchError extends Error {}

/** Unpacks `source` (the blob's bytes) as described by `job`, reporting compressed bytes read. */
export async function unpackLayer(
  source: ReadableStream<Uint8Array>,
  job: UnpackJob,
  onProgress: (bytes: number) => void = () => {},
): Promise<UnpackResult> {
  const started = performance.now();
  const compression = layerCompression(job.mediaType);
  const { blobTmp, dirTmp } = tempPaths(job);
  if (exists(dirTmp)) Deno.removeSync(dirTmp, { recursive: true }); // the same layer, made before in this temp dir
  Deno.mkdirSync(dirTmp);
  const applier = new LayerApplier(dirTmp);
  const parser = new TarParser(applier);
  let blobHash: StreamHasher | null = null;
  let diffHash: StreamHasher | null = null;
  let writeback: BackgroundSync | null = null;
  const blobFd = libc.open(blobTmp, libc.O_WRONLY | libc.O_CREAT | libc.O_TRUNC | libc.O_CLOEXEC, 0o644);
  let blobClosed = false;
  let read = 0;
  let flushed = 0;
  let tarSize = 0;

  // the diff_id's hash reads the chunk on a helper thread while the tar parser creates its files
  const onTar = (chunk: Uint8Array): Promise<void> => {
    tarSize += chunk.length;
    const hashed = diffHash!.update(chunk);
    parser.push(chunk);
    writeback?.progress(read + tarSize);
    return hashed;
  };
  let dec: Decompressor | null = null;

  try {
    blobHash = await sha256Stream();
    diffHash = await sha256Stream();
    writeback = new BackgroundSync(job.tmpDir);
    if (compression !== "none") dec = await openDecompressor(compression, onTar);
    const reader = source.getReader();
    let lastReport = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      read += value.length;
      if (read > job.size) {
        await reader.cancel();
        throw new DigestMismatchError(`blob ${job.digest} is larger than the ${job.size} bytes its descriptor says`);
      }
      const hashed = blobHash.update(value);
      libc.writeAll(blobFd, value as Uint8Array<ArrayBuffer>);
      if (read - flushed >= 8 << 20) {
        libc.startWriteback(blobFd, flushed, read - flushed);
        flushed = read;
      }
      if (dec) await dec.write(value);
      else await onTar(value);
      await hashed;
      const now = performance.now();
      if (now - lastReport > 100) {
        lastReport = now;
        onProgress(read);
      }
    }
    onProgress(read);
    if (read !== job.size) {
      throw new DigestMismatchError(`blob ${job.digest} is truncated: got ${read} of ${job.size} bytes`);
    }
    const got = await blobHash.digest();
    if (got !== job.digest) throw new DigestMismatchError(`blob ${job.digest} does not match its digest (got ${got})`);
    if (dec) {
      await dec.end();
      await dec.close();
    }
    parser.end();
    const diff = await diffHash.digest();
    if (diff !== job.diffId) {
      throw new DigestMismatchError(`layer ${job.digest}: uncompressed digest ${diff} does not match diff_id ${job.diffId}`);
    }
    applier.finish();
    libc.close(blobFd);
    blobClosed = true;
    await writeback.close();
    debug(`layer ${job.digest.slice(7, 19)}: ${read} bytes unpacked in ${(performance.now() - started).toFixed(0)} ms`);
    return { unpackedBytes: applier.unpackedBytes, tarSize };
  } catch (err) {
    await dec?.close();
    await blobHash?.dispose();
    await diffHash?.dispose();
    applier.abort();
    if (!blobClosed) libc.close(blobFd);
    blobClosed = true;
    await writeback?.close().catch(() => {});
    for (const p of [blobTmp, dirTmp]) {
      try {
        Deno.removeSync(p, { recursive: true });
      } catch { /* never made */ }
    }
    throw err;
  }
}

function tempPaths(job: UnpackJob): { blobTmp: string; dirTmp: string } {
  const hex = job.digest.slice(7);
  return { blobTmp: join(job.tmpDir, `blob-${hex}`), dirTmp: join(job.tmpDir, `layer-${hex}`) };
}

/**
 * Makes verified layers visible: one syncfs for all their files (cheaper than a sync per layer while
 * other layers are still being written), then renames into the store and fsyncs the store's dirs.
 */
export function commitLayers(storeRoot: string, jobs: UnpackJob[]): void {
  if (!jobs.length) return;
  const store = new Store(storeRoot);
  const started = performance.now();
  const fd = libc.open(jobs[0].tmpDir, 0, 0); // O_RDONLY
  try {
    libc.syncfs(fd);
  } finally {
    libc.close(fd);
  }
  for (const job of jobs) {
    const { blobTmp, dirTmp } = tempPaths(job);
    Deno.renameSync(blobTmp, store.blobPath(job.digest));
    const dest = store.layerPath(job.diffId);
    if (!exists(dest)) {
      try {
        Deno.renameSync(dirTmp, dest);
        continue;
      } catch (err) {
        if (!exists(dest)) throw err; // otherwise we lost a race to a concurrent pull: fine
      }
    }
    // the store has this layer already (another pull, or an earlier step of this build): ours goes now,
    // so that the same layer made again in this temp dir finds its place free
    Deno.removeSync(dirTmp, { recursive: true });
  }
  fsyncDirSync(dirname(store.blobPath(jobs[0].digest)));
  fsyncDirSync(dirname(store.layerPath(jobs[0].diffId)));
  debug(`${jobs.length} layers synced and committed in ${(performance.now() - started).toFixed(0)} ms`);
}
