/**
 * `berth save`: images as one archive that other tools load.
 *
 * - `docker-archive` (default): `manifest.json`, `<config>.json`, `<diff_id>/layer.tar` (uncompressed,
 *   as `docker load` and `skopeo … docker-archive:` read them) and the legacy `repositories` file.
 * - `oci-archive`: an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) as a tar, with
 *   the stored blobs as they came from the registry.
 */
import { BerthError } from "../util/errors.ts";
import { readImage } from "./inspect.ts";
import { blobChunks, uncompressedChunks, uncompressedSize } from "./layer_stream.ts";
import { writeTarArchive } from "./output_file.ts";
import { familiarName, parseReference } from "./reference.ts";
import { type ImageRecord, Store } from "./store.ts";
import type { TarWriter } from "./tar_writer.ts";

export type SaveFormat = "docker-archive" | "oci-archive";

export interface SaveOptions {
  root: string;
  output?: string;
  format?: SaveFormat;
}

const enc = new TextEncoder();
const MTIME = 0; // reproducible archives

interface Selected {
  record: ImageRecord;
  /** the names the user asked for that map to this image (all its tags when given by ID) */
  tags: string[];
}

function select(root: string, names: string[]): Selected[] {
  const byId = new Map<string, Selected>();
  for (const n of names) {
    const { record } = readImage(root, n);
    const sel = byId.get(record.id) ?? { record, tags: [] };
    byId.set(record.id, sel);
    let tag: string | undefined;
    try {
      const ref = parseReference(n);
      const full = `${ref.registry}/${ref.repository}:${ref.tag}`;
      if (!ref.digest && record.repoTags.includes(full)) tag = full;
    } catch { /* an ID */ }
    for (const t of tag ? [tag] : record.repoTags) if (!sel.tags.includes(t)) sel.tags.push(t);
  }
  return [...byId.values()];
}

export async function saveImages(names: string[], opts: SaveOptions): Promise<void> {
  if (!names.length) throw new BerthError("save: no images given");
  const format = opts.format ?? "docker-archive";
  if (format !== "docker-archive" && format !== "oci-archive") {
    throw new BerthError(`save: unknown format "${format}" (docker-archive or oci-archive)`);
  }
  const images = select(opts.root, names);
  const store = new Store(opts.root);
  await writeTarArchive(opts.output, "save", (w) =>
    format === "docker-archive" ? writeDockerArchive(store, images, w) : writeOciArchive(store, images, w));
}

async function addFile(w: TarWriter, name: string, data: Uint8Array): Promise<void> {
  await w.add({ name, type: "file", mode: 0o644, size: data.length, mtime: MTIME }, data);
}

async function writeDockerArchive(store: Store, images: Selected[], w: TarWriter): Promise<void> {
  const written = new Set<string>();
  const manifest: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { record, tags } of images) {
    const configName = `${record.id.slice(7)}.json`;
    if (!written.has(configName)) {
      await addFile(w, configName, store.readBlob(record.id));
      written.add(configName);
    }
    const layerNames: string[] = [];
    for (const l of record.layers) {
      const dir = l.diffId.slice(7);
      const name = `${dir}/layer.tar`;
      layerNames.push(name);
      if (written.has(name)) continue;
      written.add(name);
      const blob = store.blobPath(l.digest);
      const size = l.tarSize ?? await uncompressedSize(blob, l.mediaType);
      await w.add({ name: dir, type: "dir", mode: 0o755, mtime: MTIME });
      await addFile(w, `${dir}/VERSION`, enc.encode("1.0"));
      await w.add({ name, type: "file", mode: 0o644, size, mtime: MTIME }, uncompressedChunks(blob, l.mediaType));
    }
    const familiar = tags.map(familiarName);
    manifest.push({ Config: configName, RepoTags: familiar.length ? familiar : null, Layers: layerNames });
    const top = record.layers.at(-1)?.diffId.slice(7);
    for (const t of familiar) {
      const i = t.lastIndexOf(":");
      if (top) (repositories[t.slice(0, i)] ??= {})[t.slice(i + 1)] = top;
    }
  }
  await addFile(w, "manifest.json", enc.encode(JSON.stringify(manifest)));
  await addFile(w, "repositories", enc.encode(JSON.stringify(repositories)));
}

async function writeOciArchive(store: Store, images: Selected[], w: TarWriter): Promise<void> {
  await w.add({ name: "blobs", type: "dir", mode: 0o755, mtime: MTIME });
  await w.add({ name: "blobs/sha256", type: "dir", mode: 0o755, mtime: MTIME });
  const written = new Set<string>();
  const addBlob = async (digest: string) => {
    if (written.has(digest)) return;
    written.add(digest);
    const path = store.blobPath(digest);
    const size = Deno.statSync(path).size;
    await w.add({ name: `blobs/sha256/${digest.slice(7)}`, type: "file", mode: 0o644, size, mtime: MTIME }, blobChunks(path));
  };
  const manifests: unknown[] = [];
  for (const { record, tags } of images) {
    await addBlob(record.id);
    for (const l of record.layers) await addBlob(l.digest);
    await addBlob(record.manifestDigest);
    const desc = {
      mediaType: record.manifestMediaType,
      digest: record.manifestDigest,
      size: Deno.statSync(store.blobPath(record.manifestDigest)).size,
      platform: record.platform,
    };
    if (!tags.length) manifests.push(desc);
    for (const t of tags) {
      manifests.push({
        ...desc,
        annotations: { "org.opencontainers.image.ref.name": t, "io.containerd.image.name": t },
      });
    }
  }
  await addFile(w, "oci-layout", enc.encode(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
  await addFile(
    w,
    "index.json",
    enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests })),
  );
}
