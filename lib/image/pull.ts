/**
 * `berth pull`: resolve the manifest (choosing a platform from an index), fetch and verify the config,
 * then stream every missing layer through download → verify → decompress → unpack, several at once.
 * The image appears in the index only after all of it is in the store.
 *
 * @example
 * ```ts
 * import { pull } from "./pull.ts";
 * const image = await pull("127.0.0.1:5000/busybox:latest", { root: "/var/lib/berth" });
 * console.log(image.id);
 * ```
 */
import { BerthError, userMessage } from "../util/errors.ts";
import { withLock } from "../util/lock.ts";
import { debug } from "../util/log.ts";
import { type Credentials, findCredentials } from "./auth_store.ts";
import { readCapped, sha256Digest, storeVerifiedBlob } from "./blob_io.ts";
import { parseImageConfig } from "./image_config.ts";
import { assignTag } from "./image_lookup.ts";
import {
  type Descriptor,
  formatPlatform,
  hostPlatform,
  type ImageManifest,
  MANIFEST_ACCEPT,
  MAX_MANIFEST_BYTES,
  parseManifest,
  parsePlatform,
  type Platform,
  selectPlatform,
} from "./manifest.ts";
import { Progress } from "./progress.ts";
import { formatReference, parseReference, type Reference, repoName } from "./reference.ts";
import { RegistryClient } from "./registry_client.ts";
import { idleTimeoutMsOf, readSettings } from "./settings.ts";
import { type ImageRecord, type LayerRecord, Store } from "./store.ts";
import { prewarmWorkers, releaseWorkers, runJobs } from "./worker_pool.ts";
import { commitLayers } from "./layer_unpack.ts";
import type { WorkerJob } from "./pull_worker.ts";

export interface PullOptions {
  root: string;
  /** `os/arch[/variant]`; default: the host's */
  platform?: string;
  /** no progress output */
  quiet?: boolean;
  /** extra registries spoken to over plain HTTP */
  insecureRegistries?: string[];
  /** layers fetched and unpacked at once (default 3, as Docker downloads) */
  maxConcurrent?: number;
  progress?: Progress;
  /** for this pull only (the API's X-Registry-Auth); default: the stored ones */
  credentials?: Credentials;
}

/** A client for `ref`'s registry with stored credentials and the insecure setting applied. */
export function clientFor(root: string, registry: string, insecure: string[] = [], credentials?: Credentials): RegistryClient {
  const settings = readSettings(root);
  const all = [...insecure, ...(settings.insecureRegistries ?? [])];
  return new RegistryClient(registry, {
    insecure: all.includes(registry),
    credentials: credentials ?? findCredentials(root, registry),
    idleTimeoutMs: idleTimeoutMsOf(settings),
  });
}

async function fetchManifest(
  client: RegistryClient,
  ref: Reference,
  reference: string,
  what: string,
): Promise<{ bytes: Uint8Array; contentType: string | null; digest: string }> {
  const res = await client.request("GET", `/v2/${ref.repository}/manifests/${reference}`, {
    scope: `repository:${ref.repository}:pull`,
    headers: { accept: MANIFEST_ACCEPT },
  });
  if (!res.ok) await client.fail(what, res);
  const bytes = await readCapped(res, MAX_MANIFEST_BYTES, what);
  const digest = await sha256Digest(bytes);
  if (reference.startsWith("sha256:") && digest !== reference) {
    throw new BerthError(`${what}: manifest does not match digest ${reference} (got ${digest})`);
  }
  const claimed = res.headers.get("docker-content-digest");
  if (claimed && claimed.startsWith("sha256:") && claimed !== digest) {
    throw new BerthError(`${what}: manifest does not match the registry's digest ${claimed} (got ${digest})`);
  }
  return { bytes, contentType: res.headers.get("content-type"), digest };
}

async function fetchSmallBlob(client: RegistryClient, ref: Reference, d: Descriptor, what: string): Promise<Uint8Array> {
  const res = await client.request("GET", `/v2/${ref.repository}/blobs/${d.digest}`, {
    scope: `repository:${ref.repository}:pull`,
  });
  if (!res.ok) await client.fail(`${what}: blob ${d.digest}`, res);
  return readCapped(res, Math.max(d.size, 1), `${what}: blob ${d.digest}`);
}

export interface PullResult {
  image: ImageRecord;
  /** the digest of the manifest (or index) the reference resolved to */
  digest: string;
  /** the normalised reference that was pulled */
  reference: string;
}

/** Pulls `image` into the store under `opts.root`. */
export async function pull(image: string, opts: PullOptions): Promise<PullResult> {
  const ref = parseReference(image); // bad input fails before anything is created or started
  const store = new Store(opts.root);
  store.init();
  prewarmWorkers(opts.maxConcurrent ?? 3);
  try {
    // blobs land before the index names them: keep rmi's garbage collector off them meanwhile
    return await withLock(store.gcLockPath, () => pullLocked(ref, store, opts), false);
  } finally {
    releaseWorkers();
  }
}

async function pullLocked(ref: Reference, store: Store, opts: PullOptions): Promise<PullResult> {
  const name = formatReference(ref);
  const what = `pull ${name}`;
  const progress = opts.progress ?? Progress.forStdout(!!opts.quiet);
  const want: Platform = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  const client = clientFor(opts.root, ref.registry, opts.insecureRegistries, opts.credentials);

  const top = await fetchManifest(client, ref, ref.digest ?? ref.tag!, what);
  let parsed = parseManifest(top.bytes, top.contentType, what);
  let manifestBytes = top.bytes;
  let manifestDigest = top.digest;
  let manifestType = top.contentType;
  if (parsed.kind === "index") {
    const chosen = selectPlatform(parsed.index, want, what);
    await storeVerifiedBlob(store, top.digest, top.bytes, what);
    const sub = await fetchManifest(client, ref, chosen.digest, what);
    parsed = parseManifest(sub.bytes, sub.contentType ?? chosen.mediaType, what);
    if (parsed.kind !== "manifest") throw new BerthError(`${what}: index points at another index`);
    manifestBytes = sub.bytes;
    manifestDigest = sub.digest;
    manifestType = chosen.mediaType;
  }
  const manifest: ImageManifest = parsed.manifest;
  progress.say(`${ref.tag ?? ref.digest}: Pulling from ${ref.repository}`);
  debug(`manifest ${manifestDigest} resolved`);

  const configBytes = store.hasBlob(manifest.config.digest)
    ? store.readBlob(manifest.config.digest)
    : await fetchSmallBlob(client, ref, manifest.config, what);
  await storeVerifiedBlob(store, manifest.config.digest, configBytes, `${what}: config`, manifest.config.size);
  const config = parseImageConfig(configBytes, manifest.layers.length, what);
  // a single-platform image asked for with --platform must be that platform (an index was chosen from already)
  const wrongPlatform = config.architecture !== want.architecture || config.os !== want.os;
  if (opts.platform && top.digest === manifestDigest && wrongPlatform) {
    throw new BerthError(`${what}: image is for ${config.os}/${config.architecture}, not ${formatPlatform(want)}`);
  }

  const layers: LayerRecord[] = manifest.layers.map((l, i) => ({
    digest: l.digest,
    diffId: config.rootfs.diff_ids[i],
    mediaType: l.mediaType,
    size: l.size,
  }));
  const index0 = store.readIndex();
  const known = new Map<string, LayerRecord>();
  for (const img of Object.values(index0.images)) for (const l of img.layers) known.set(l.diffId, l);
  const tmpDir = store.makeTempDir();
  const jobs: WorkerJob[] = [];
  const jobLayer: LayerRecord[][] = [];
  const seen = new Map<string, number>();
  for (const l of layers) {
    const short = l.digest.slice(7, 19);
    if (store.hasLayer(l.diffId) && store.hasBlob(l.digest)) {
      l.unpackedSize = known.get(l.diffId)?.unpackedSize ?? duSync(store.layerPath(l.diffId));
      l.tarSize = known.get(l.diffId)?.tarSize;
      progress.add(short, "Already exists");
      continue;
    }
    const j = seen.get(l.digest);
    if (j !== undefined) {
      jobLayer[j].push(l);
      continue;
    }
    seen.set(l.digest, jobs.length);
    jobLayer.push([l]);
    progress.add(short, "Waiting", l.size);
    jobs.push({
      storeRoot: opts.root,
      tmpDir,
      digest: l.digest,
      size: l.size,
      mediaType: l.mediaType,
      diffId: l.diffId,
      client: client.toJSON(),
      repository: ref.repository,
    });
  }
  try {
    const sizes = await runJobs(
      jobs,
      opts.maxConcurrent ?? 3,
      (i, bytes) => progress.update(jobs[i].digest.slice(7, 19), "Downloading", bytes),
      (i) => progress.update(jobs[i].digest.slice(7, 19), "Downloading", 0),
    );
    commitLayers(opts.root, jobs);
    sizes.forEach((r, i) => {
      for (const l of jobLayer[i]) {
        l.unpackedSize = r.unpackedBytes;
        l.tarSize = r.tarSize;
      }
      progress.update(jobs[i].digest.slice(7, 19), "Pull complete");
    });
  } catch (err) {
    progress.finish();
    throw new BerthError(`${what}: ${userMessage(err)}`);
  } finally {
    Deno.removeSync(tmpDir, { recursive: true });
  }
  progress.finish();
  debug("layers done");
  await storeVerifiedBlob(store, manifestDigest, manifestBytes, what);

  const repoDigest = `${repoName(ref)}@${top.digest}`;
  let fresh = false;
  const record = await store.updateIndex((index) => {
    const id = manifest.config.digest;
    let rec = index.images[id];
    if (!rec) {
      fresh = true;
      rec = index.images[id] = {
        id,
        manifestDigest,
        manifestMediaType: manifestType?.split(";")[0] || manifest.mediaType,
        repoTags: [],
        repoDigests: [],
        layers,
        size: layers.reduce((n, l) => n + (l.unpackedSize ?? 0), 0),
        created: config.created,
        platform: { os: config.os, architecture: config.architecture, variant: config.variant },
        addedAt: new Date().toISOString(),
      };
    }
    if (ref.tag) {
      const had = rec.repoTags.includes(`${repoName(ref)}:${ref.tag}`);
      fresh ||= !had;
      assignTag(index, rec, `${repoName(ref)}:${ref.tag}`);
    }
    if (!rec.repoDigests.includes(repoDigest)) rec.repoDigests.push(repoDigest);
    return rec;
  });
  debug("index updated");
  progress.say(`Digest: ${top.digest}`);
  progress.say(fresh ? `Status: Downloaded newer image for ${name}` : `Status: Image is up to date for ${name}`);
  return { image: record, digest: top.digest, reference: name };
}

/** Bytes of regular files under `dir` (for layers unpacked before sizes were recorded). */
function duSync(dir: string): number {
  let n = 0;
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) n += duSync(p);
    else if (e.isFile) n += Deno.lstatSync(p).size;
  }
  return n;
}
