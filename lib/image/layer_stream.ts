/** A stored layer blob read back as is, or as its uncompressed tar, chunk by chunk. */
import { nodeFs, nodeZlib } from "../util/node_builtins.ts";
import { type Compression, layerCompression } from "./manifest.ts";

export async function* blobChunks(path: string): AsyncIterable<Uint8Array> {
  const { createReadStream } = await nodeFs();
  yield* createReadStream(path, { highWaterMark: 1 << 20 }) as unknown as AsyncIterable<Uint8Array>;
}

export async function* uncompressedChunks(path: string, mediaType: string): AsyncIterable<Uint8Array> {
  const c: Compression = layerCompression(mediaType);
  const { createReadStream } = await nodeFs();
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (c === "none") {
    yield* raw as unknown as AsyncIterable<Uint8Array>;
    return;
  }
  const zlib = await nodeZlib();
  const dec = c === "gzip" ? zlib.createGunzip() : zlib.createZstdDecompress();
  raw.on("error", (e) => dec.destroy(e));
  yield* raw.pipe(dec) as unknown as AsyncIterable<Uint8Array>;
}

/** Size of the uncompressed tar, when the index did not record it. */
export async function uncompressedSize(path: string, mediaType: string): Promise<number> {
  let n = 0;
  for await (const c of uncompressedChunks(path, mediaType)) n += c.length;
  return n;
}
