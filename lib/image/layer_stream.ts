/** A stored layer blob read back as its uncompressed tar, chunk by chunk. */
import { createReadStream } from "node:fs";
import zlib from "node:zlib";
import { type Compression, layerCompression } from "./manifest.ts";

export function blobChunks(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 1 << 20 }) as unknown as AsyncIterable<Uint8Array>;
}

export function uncompressedChunks(path: string, mediaType: string): AsyncIterable<Uint8Array> {
  const c: Compression = layerCompression(mediaType);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (c === "none") return raw as unknown as AsyncIterable<Uint8Array>;
  const dec = c === "gzip" ? zlib.createGunzip() : zlib.createZstdDecompress();
  raw.on("error", (e) => dec.destroy(e));
  return raw.pipe(dec) as unknown as AsyncIterable<Uint8Array>;
}

/** Size of the uncompressed tar, when the index did not record it. */
export async function uncompressedSize(path: string, mediaType: string): Promise<number> {
  let n = 0;
  for await (const c of uncompressedChunks(path, mediaType)) n += c.length;
  return n;
}
