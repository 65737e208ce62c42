/**
 * `berth load`: images from a docker-archive or an OCI archive (what `berth save`, `docker save`,
 * `podman save` and `skopeo copy … docker-archive:/oci-archive:` write). The archive is unpacked into a
 * private temp directory with the same safe extractor layers use, then every layer goes through the
 * pull pipeline (digest-verified, stored, unpacked), and the images are registered with their names.
 */
import { join } from "../util/path.ts";
import { nodeCrypto } from "../util/node_builtins.ts";
import { BerthError } from "../util/errors.ts";
import { withLock } from "../util/lock.ts";
import { sha256Digest, storeVerifiedBlob } from "./blob_io.ts";
import { parseImageConfig, type ImageConfig } from "./image_config.ts";
import { assignTag } from "./image_lookup.ts";
import { LayerApplier } from "./layer_apply.ts";
import { hostPlatform, MT, parseManifest, selectPlatform, type ImageManifest } from "./manifest.ts";
import { formatReference, parseReference } from "./reference.ts";
import { exists, type ImageRecord, type LayerRecord, Store } from "./store.ts";
import { TarParser } from "./tar_reader.ts";
import { runJobs } from "./worker_pool.ts";
import { Progress } from "./progress.ts";
import { commitLayers } from "./layer_unpack.ts";
import type { WorkerJob } from "./pull_worker.ts";

export interface LoadOptions {
  root: string;
  /** archive path; stdin when absent or "-" */
  input?: string;
  quiet?: boolean;
  /** per-layer "Loading layer" lines or bars (the CLI's: on stdout; default none) */
  progress?: Progress;
}

export interface LoadedImage {
  id: string;
  tags: string[];
}


/** Unpacks the archive stream into `dir`, refusing entries that would leave it. */
async function extractArchive(source: ReadableStream<Uint8Array>, dir: string): Promise<void> {
  const applier = new LayerApplier(dir);
  const parser = new TarParser(applier);
  for await (const chunk of source) parser.push(chunk);
  parser.end();
  applier.finish();
}

/** `rel` inside `dir` after resolving symlinks, or an error when it leaves the archive. */
function inside(dir: string, rel: string): string {
  let real: string;
  try {
    real = Deno.realPathSync(join(dir, rel));
  } catch {
    throw new BerthError(`load: archive lacks ${rel}`);
  }
  const base = Deno.realPathSync(dir);
  if (real !== base && !real.startsWith(`${base}/`)) throw new BerthError(`load: ${rel} points outside the archive`);
  return real;
}

async function fileDigest(path: string): Promise<string> {
  const h = (await nodeCrypto()).createHash("sha256");
  const f = Deno.openSync(path, { read: true });
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const n = f.readSync(buf);
      if (!n) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    f.close();
  }
  return `sha256:${h.digest("hex")}`;
}

function sniffLayerType(path: string): string {
  const f = Deno.openSync(path, { read: true });
  const head = new Uint8Array(4);
  try {
    f.readSync(head);
  } finally {
    f.close();
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return MT.ociLayerGzip;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return MT.ociLayerZstd;
  return MT.ociLayer;
}

interface Pending {
  manifest: ImageManifest;
  manifestBytes: Uint8Array;
  manifestDigest: string;
  manifestMediaType: string;
  config: ImageConfig;
  /** blob digest → file in the archive */
  files: Map<string, string>;
  tags: string[];
}

const enc = new TextEncoder();

async function fromDockerArchive(dir: string): Promise<Pending[]> {
  let entries: Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>;
  try {
    entries = JSON.parse(Deno.readTextFileSync(inside(dir, "manifest.json")));
  } catch (err) {
    throw err instanceof BerthError ? err : new BerthError("load: manifest.json is not valid JSON");
  }
  if (!Array.isArray(entries)) throw new BerthError("load: manifest.json is not a list");
  const out: Pending[] = [];
  for (const e of entries) {
    const configPath = inside(dir, e.Config);
    const configBytes = Deno.readFileSync(configPath);
    const configDigest = await sha256Digest(configBytes);
    const config = parseImageConfig(configBytes, e.Layers.length, "load");
    const files = new Map<string, string>([[configDigest, configPath]]);
    const layers = [];
    for (const rel of e.Layers) {
      const path = inside(dir, rel);
      const digest = await fileDigest(path);
      files.set(digest, path);
      layers.push({ mediaType: sniffLayerType(path), digest, size: Deno.statSync(path).size });
    }
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: configDigest, size: configBytes.length },
      layers,
    };
    const manifestBytes = enc.encode(JSON.stringify(manifest));
    out.push({
      manifest,
      manifestBytes,
      manifestDigest: await sha256Digest(manifestBytes),
      manifestMediaType: MT.ociManifest,
      config,
      files,
      tags: (e.RepoTags ?? []).map((t) => formatReference(parseReference(t))),
    });
  }
  return out;
}

function fromOciArchive(dir: string): Pending[] {
  const blob = (digest: string) => inside(dir, `blobs/sha256/${digest.slice(7)}`);
  const index = parseManifest(Deno.readFileSync(inside(dir, "index.json")), MT.ociIndex, "load: index.json");
  if (index.kind !== "index") throw new BerthError("load: index.json is not an image index");
  const out: Pending[] = [];
  for (const top of index.index.manifests) {
    let desc = top;
    let parsed = parseManifest(Deno.readFileSync(blob(desc.digest)), desc.mediaType, "load");
    if (parsed.kind === "index") {
      desc = selectPlatform(parsed.index, hostPlatform(), "load");
      parsed = parseManifest(Deno.readFileSync(blob(desc.digest)), desc.mediaType, "load");
    }
    if (parsed.kind !== "manifest") throw new BerthError("load: nested indexes are not supported");
    const manifest = parsed.manifest;
    const configBytes = Deno.readFileSync(blob(manifest.config.digest));
    const config = parseImageConfig(configBytes, manifest.layers.length, "load");
    const files = new Map<string, string>();
    for (const d of [manifest.config, ...manifest.layers]) files.set(d.digest, blob(d.digest));
    const name = top.annotations?.["io.containerd.image.name"] ?? top.annotations?.["org.opencontainers.image.ref.name"];
    let tags: string[] = [];
    if (name && /[/:]/.test(name)) {
      try {
        tags = [formatReference(parseReference(name))];
      } catch { /* a bare tag: leave unnamed */ }
    }
    out.push({
      manifest,
      manifestBytes: Deno.readFileSync(blob(desc.digest)),
      manifestDigest: desc.digest,
      manifestMediaType: manifest.mediaType,
      config,
      files,
      tags,
    });
  }
  return out;
}

export async function loadImages(opts: LoadOptions): Promise<LoadedImage[]> {
  const store = new Store(opts.root);
  store.init();
  return await withLock(store.gcLockPath, () => loadLocked(store, opts), false);
}

async function loadLocked(store: Store, opts: LoadOptions): Promise<LoadedImage[]> {
  const tmp = store.makeTempDir();
  try {
    const dir = join(tmp, "archive");
    Deno.mkdirSync(dir);
    let source: ReadableStream<Uint8Array>;
    if (opts.input && opts.input !== "-") {
      try {
        source = (await Deno.open(opts.input, { read: true })).readable;
      } catch (err) {
        throw new BerthError(`load: cannot open ${opts.input}: ${(err as Error).message}`);
      }
    } else {
      if (Deno.stdin.isTerminal()) throw new BerthError("load: requested load from stdin, but stdin is empty; use -i FILE");
      source = Deno.stdin.readable;
    }
    try {
      await extractArchive(source, dir);
    } catch (err) {
      throw new BerthError(`load: ${(err as Error).message}`);
    }
    let pending: Pending[];
    if (exists(join(dir, "manifest.json"))) pending = await fromDockerArchive(dir);
    else if (exists(join(dir, "index.json"))) pending = fromOciArchive(dir);
    else throw new BerthError("load: not a docker-archive or OCI archive (no manifest.json or index.json)");

    const jobs: WorkerJob[] = [];
    const queued = new Set<string>();
    const results = new Map<string, LayerRecord>();
    for (const p of pending) {
      const configBytes = Deno.readFileSync(p.files.get(p.manifest.config.digest)!);
      await storeVerifiedBlob(store, p.manifest.config.digest, configBytes, "load: config");
      p.manifest.layers.forEach((l, i) => {
        const diffId = p.config.rootfs.diff_ids[i];
        if ((store.hasLayer(diffId) && store.hasBlob(l.digest)) || queued.has(l.digest)) return;
        queued.add(l.digest);
        jobs.push({
          storeRoot: opts.root,
          tmpDir: tmp,
          digest: l.digest,
          size: l.size,
          mediaType: l.mediaType,
          diffId,
          file: p.files.get(l.digest),
        });
      });
    }
    const progress = opts.progress ?? new Progress("quiet");
    const short = (j: WorkerJob) => j.digest.slice(7, 19);
    for (const j of jobs) progress.add(short(j), "Waiting", j.size);
    let sizes;
    try {
      sizes = await runJobs(jobs, 3, (i, bytes) => progress.update(short(jobs[i]), "Loading layer", bytes), (i) => progress.update(short(jobs[i]), "Loading layer", 0));
      jobs.forEach((j) => progress.update(short(j), "Loading layer", j.size));
    } finally {
      progress.finish();
    }
    commitLayers(opts.root, jobs);
    jobs.forEach((j, i) => results.set(j.digest, { ...j, unpackedSize: sizes[i].unpackedBytes, tarSize: sizes[i].tarSize }));
    const known = new Map<string, LayerRecord>();
    for (const img of Object.values(store.readIndex().images)) for (const l of img.layers) known.set(l.diffId, l);
    for (const p of pending) await storeVerifiedBlob(store, p.manifestDigest, p.manifestBytes, "load: manifest");
    const loaded: LoadedImage[] = [];
    await store.updateIndex((index) => {
      for (const p of pending) {
        const layers: LayerRecord[] = p.manifest.layers.map((l, i) => {
          const diffId = p.config.rootfs.diff_ids[i];
          const r = results.get(l.digest) ?? known.get(diffId);
          return {
            digest: l.digest,
            diffId,
            mediaType: l.mediaType,
            size: l.size,
            unpackedSize: r?.unpackedSize,
            tarSize: r?.tarSize,
          };
        });
        const id = p.manifest.config.digest;
        const rec: ImageRecord = index.images[id] ?? {
          id,
          manifestDigest: p.manifestDigest,
          manifestMediaType: p.manifestMediaType,
          repoTags: [],
          repoDigests: [],
          layers,
          size: layers.reduce((n, l) => n + (l.unpackedSize ?? 0), 0),
          created: p.config.created,
          platform: { os: p.config.os, architecture: p.config.architecture, variant: p.config.variant },
          addedAt: new Date().toISOString(),
        };
        index.images[id] = rec;
        for (const t of p.tags) assignTag(index, rec, t);
        loaded.push({ id, tags: p.tags });
      }
    });
    return loaded;
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}

