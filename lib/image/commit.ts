/**
 * `berth commit`: a container's writable layer (its overlay upper dir) as a new layer on its image.
 *
 * The upper dir is written as an OCI layer tar (whiteouts → `.wh.*`, see layer_from_dir.ts) and
 * gzip'd in one pass, hashing both; the blob then goes through the same verified unpack as a pulled
 * layer (digests checked, synced, renamed into the store). The new config is the image's with the
 * layer's diff_id, a history entry and `-c` changes; the manifest is an OCI manifest of the image's
 * layers plus the new one. A running container is frozen meanwhile (as Docker pauses it).
 *
 * @example
 * ```ts
 * const { id } = await commitContainer("/var/lib/berth", "web", { repository: "web:v2", changes: ["CMD [\"httpd\"]"] });
 * ```
 */
import { BerthError } from "../util/errors.ts";
import { withLock } from "../util/lock.ts";
import { nodeCrypto, nodeZlib } from "../util/node_builtins.ts";
import { join } from "../util/path.ts";
import { containerCgroup } from "../container/cgroups/cgroup.ts";
import { getContainer } from "../container/lifecycle.ts";
import { containerDir } from "../container/state.ts";
import { sha256Digest, storeVerifiedBlob } from "./blob_io.ts";
import { applyChange } from "./config_change.ts";
import { readImage } from "./inspect.ts";
import type { ImageConfig } from "./image_config.ts";
import { assignTag } from "./image_lookup.ts";
import { commitLayers } from "./layer_unpack.ts";
import { writeLayerFromDir } from "./layer_from_dir.ts";
import { drainedOrClosed } from "../util/drain.ts";
import { MT } from "./manifest.ts";
import { formatReference, parseReference, repoName } from "./reference.ts";
import { type ImageRecord, type LayerRecord, Store } from "./store.ts";
import { TarWriter } from "./tar_writer.ts";
import { runJobs } from "./worker_pool.ts";

export interface CommitOptions {
  /** REPOSITORY[:TAG] for the new image (none: only its ID) */
  repository?: string;
  message?: string;
  author?: string;
  /** Dockerfile instructions applied to the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL */
  changes?: string[];
  /** freeze a running container while its layer is read (default true) */
  pause?: boolean;
}

/** berth's own mount points in every upper dir: not the container's changes */
const SKIP = new Set(["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]);

const enc = new TextEncoder();

/** Writes `dir` as a gzip'd layer tar to `blobPath`; returns the digests and sizes. */
async function writeLayerBlob(dir: string, blobPath: string, skip?: Set<string>): Promise<{ digest: string; diffId: string; size: number; tarSize: number }> {
  const { createHash } = await nodeCrypto();
  const zlib = await nodeZlib();
  const diffHash = createHash("sha256");
  const blobHash = createHash("sha256");
  const out = Deno.openSync(blobPath, { write: true, create: true, truncate: true, mode: 0o644 });
  let size = 0;
  let tarSize = 0;
  const gz = zlib.createGzip({ level: 6 });
  let writeError: Error | null = null;
  gz.on("data", (c: Uint8Array) => {
    blobHash.update(c);
    size += c.length;
    try {
      for (let o = 0; o < c.length;) o += out.writeSync(c.subarray(o));
    } catch (err) {
      // ENOSPC and friends: stop the stream; the writer below sees the error instead of a drain
      writeError ??= err as Error;
      gz.destroy();
    }
  });
  const ended = new Promise<void>((resolve, reject) => {
    gz.on("end", () => resolve());
    gz.on("error", reject);
    gz.on("close", () => (writeError ? reject(writeError) : undefined));
  });
  ended.catch(() => {}); // observed below
  try {
    const w = new TarWriter(async (chunk) => {
      diffHash.update(chunk);
      tarSize += chunk.length;
      if (writeError) throw writeError;
      if (!gz.write(chunk)) await drainedOrClosed(gz);
      if (writeError) throw writeError;
    });
    await writeLayerFromDir(dir, w, skip);
    await w.finish();
    gz.end();
    await ended;
    out.syncSync();
  } finally {
    out.close();
  }
  return { digest: `sha256:${blobHash.digest("hex")}`, diffId: `sha256:${diffHash.digest("hex")}`, size, tarSize };
}

/**
 * `dir` (overlay form) as a layer in the store: written as a gzip'd tar, then unpacked through the
 * verified path (digests checked, synced, renamed into place). Needs the gc lock held (shared).
 */
export async function storeLayerFromDir(root: string, tmp: string, dir: string, skip?: Set<string>): Promise<LayerRecord> {
  const blobFile = join(tmp, `layer-${crypto.randomUUID()}.tar.gz`);
  const layer = await writeLayerBlob(dir, blobFile, skip);
  const job = { storeRoot: root, tmpDir: tmp, digest: layer.digest, size: layer.size, mediaType: MT.ociLayerGzip, diffId: layer.diffId, file: blobFile };
  const [unpacked] = await runJobs([job], 1, () => {});
  commitLayers(root, [job]);
  return { digest: layer.digest, diffId: layer.diffId, mediaType: MT.ociLayerGzip, size: layer.size, unpackedSize: unpacked.unpackedBytes, tarSize: layer.tarSize };
}

/**
 * A new image in the store: `config` (its rootfs set from `layers`), an OCI manifest, the index
 * record, and `tags` (full names) moved to it. Needs the gc lock held (shared).
 */
export async function writeImage(store: Store, config: ImageConfig, layers: LayerRecord[], tags: string[], platform: ImageRecord["platform"]): Promise<string> {
  config.rootfs = { type: "layers", diff_ids: layers.map((l) => l.diffId) };
  const configBytes = enc.encode(JSON.stringify(config));
  const configDigest = await sha256Digest(configBytes);
  await storeVerifiedBlob(store, configDigest, configBytes, "image config");
  const manifestBytes = enc.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: { mediaType: MT.ociConfig, digest: configDigest, size: configBytes.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  }));
  const manifestDigest = await sha256Digest(manifestBytes);
  await storeVerifiedBlob(store, manifestDigest, manifestBytes, "image manifest");
  const now = new Date().toISOString();
  await store.updateIndex((index) => {
    const image: ImageRecord = index.images[configDigest] ?? {
      id: configDigest,
      manifestDigest,
      manifestMediaType: MT.ociManifest,
      repoTags: [],
      repoDigests: [],
      layers,
      size: layers.reduce((n, l) => n + (l.unpackedSize ?? 0), 0),
      created: config.created,
      platform,
      addedAt: now,
    };
    index.images[configDigest] = image;
    for (const t of tags) assignTag(index, image, t);
  });
  return configDigest;
}

export async function commitContainer(root: string, ref: string, opts: CommitOptions = {}): Promise<{ id: string; tag?: string }> {
  const rec = await getContainer(root, ref);
  const target = opts.repository ? parseReference(opts.repository) : undefined;
  if (target?.digest) throw new BerthError(`commit: the new image's name cannot have a digest: ${opts.repository}`);
  const { record: base, config: baseConfig } = readImage(root, rec.spec.imageId);
  const config: ImageConfig = structuredClone(baseConfig);
  config.config ??= {};
  for (const c of opts.changes ?? []) applyChange(config.config, c);

  const store = new Store(root);
  store.init();
  const upper = join(containerDir(root, rec.spec.id), "upper");
  const running = rec.state.status === "running" && !rec.state.paused && opts.pause !== false;
  return await withLock(store.gcLockPath, async () => {
    const tmp = store.makeTempDir();
    try {
      if (running) containerCgroup(rec.spec.id).freeze(true);
      let layer;
      try {
        layer = await storeLayerFromDir(root, tmp, upper, SKIP);
      } finally {
        if (running) containerCgroup(rec.spec.id).freeze(false);
      }
      const now = new Date().toISOString();
      config.created = now;
      if (opts.author) config.author = opts.author;
      config.history = [...(baseConfig.history ?? []), {
        created: now,
        created_by: `berth commit ${rec.spec.name}`,
        ...(opts.author ? { author: opts.author } : {}),
        ...(opts.message ? { comment: opts.message } : {}),
      }];
      const tag = target ? `${repoName(target)}:${target.tag ?? "latest"}` : undefined;
      const id = await writeImage(store, config, [...base.layers, layer], tag ? [tag] : [], base.platform);
      return { id, tag: target ? formatReference({ ...target, tag: target.tag ?? "latest" }) : undefined };
    } finally {
      Deno.removeSync(tmp, { recursive: true });
    }
  }, false);
}
