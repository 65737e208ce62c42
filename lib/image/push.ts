/**
 * `berth push NAME[:TAG]`: the image's blobs, then its manifest, to any distribution registry.
 *
 * For each layer and the config: HEAD (already there: skipped); else a cross-repository mount when
 * the image came from another repository of the same registry; else an upload — monolithic (one PUT)
 * for small blobs, chunked (PATCH with Content-Range, 8 MiB at a time, then PUT ?digest=) for big ones,
 * so no blob is ever held whole in memory. The manifest is the stored one, byte for byte, so the
 * pushed image has the digest berth lists. Auth (Bearer or Basic) is answered on the first request
 * of each blob, which carries no body.
 *
 * @example
 * ```ts
 * const { digest } = await push("127.0.0.1:5000/app:1.0", { root: "/var/lib/berth", quiet: true });
 * ```
 */
import { BerthError, NotFoundError } from "../util/errors.ts";
import { withLock } from "../util/lock.ts";
import { findImage } from "./image_lookup.ts";
import { Progress } from "./progress.ts";
import { formatReference, parseReference, type Reference } from "./reference.ts";
import { clientFor } from "./pull.ts";
import type { RegistryClient } from "./registry_client.ts";
import { Store } from "./store.ts";

export interface PushOptions {
  root: string;
  quiet?: boolean;
  insecureRegistries?: string[];
  progress?: Progress;
}

const CHUNK = 8 << 20;

interface Blob {
  digest: string;
  size: number;
  path: string;
  /** shown in progress lines */
  label: string;
}

function uploadUrl(client: RegistryClient, res: Response, what: string): URL {
  const loc = res.headers.get("location");
  if (!loc) throw new BerthError(`${what}: the registry gave no upload location`);
  return new URL(loc, client.baseUrl);
}

/** The path (with query) of an absolute upload URL on the registry, for RegistryClient.request. */
const pathOf = (u: URL) => `${u.pathname}${u.search}`;

function withDigest(u: URL, digest: string): URL {
  const out = new URL(u);
  out.searchParams.set("digest", digest);
  return out;
}

async function uploadBlob(
  client: RegistryClient,
  repo: string,
  blob: Blob,
  mountFrom: string | undefined,
  progress: Progress,
): Promise<void> {
  const scope = `repository:${repo}:pull,push`;
  const what = `push ${client.registry}/${repo}: blob ${blob.digest}`;
  const head = await client.request("HEAD", `/v2/${repo}/blobs/${blob.digest}`, { scope });
  await head.body?.cancel();
  if (head.ok) return progress.update(blob.label, "Layer already exists");
  if (head.status !== 404 && head.status !== 401 && head.status !== 403) await client.fail(what, head);

  let begun: Response | undefined;
  if (mountFrom) {
    const mount = `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(mountFrom)}`;
    begun = await client.request("POST", mount, { scope: `${scope} repository:${mountFrom}:pull` });
    await begun.body?.cancel();
    if (begun.status === 201) return progress.update(blob.label, `Mounted from ${mountFrom}`);
    if (begun.status === 401 || begun.status === 403) begun = undefined; // no pull access there: upload it
  }
  if (!begun) {
    begun = await client.request("POST", `/v2/${repo}/blobs/uploads/`, { scope });
    await begun.body?.cancel();
  }
  if (begun.status !== 202) await client.fail(what, begun);
  let url = uploadUrl(client, begun, what);

  const file = Deno.openSync(blob.path, { read: true });
  try {
    if (blob.size <= CHUNK) {
      const body = new Uint8Array(blob.size);
      for (let o = 0; o < body.length;) o += file.readSync(body.subarray(o)) ?? 0;
      const put = await client.request("PUT", pathOf(withDigest(url, blob.digest)), {
        scope,
        headers: { "content-type": "application/octet-stream", "content-length": String(body.length) },
        body,
      });
      await put.body?.cancel();
      if (put.status !== 201) await client.fail(what, put);
      progress.update(blob.label, "Pushed", blob.size);
      return;
    }
    const buf = new Uint8Array(CHUNK);
    let sent = 0;
    while (sent < blob.size) {
      let n = 0;
      while (n < buf.length && sent + n < blob.size) n += file.readSync(buf.subarray(n)) ?? 0;
      const chunk = buf.slice(0, n);
      const patch = await client.request("PATCH", pathOf(url), {
        scope,
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(n),
          "content-range": `${sent}-${sent + n - 1}`,
        },
        body: chunk,
      });
      await patch.body?.cancel();
      if (patch.status !== 202) await client.fail(`${what} (chunk at ${sent})`, patch);
      url = uploadUrl(client, patch, what);
      sent += n;
      progress.update(blob.label, "Pushing", sent);
    }
    const done = await client.request("PUT", pathOf(withDigest(url, blob.digest)), { scope, headers: { "content-length": "0" } });
    await done.body?.cancel();
    if (done.status !== 201) await client.fail(what, done);
    progress.update(blob.label, "Pushed", blob.size);
  } finally {
    file.close();
  }
}

export interface PushResult {
  reference: string;
  digest: string;
  size: number;
}

/** Pushes the local image `name` to the registry its name says. */
export async function push(name: string, opts: PushOptions): Promise<PushResult> {
  const ref: Reference = parseReference(name);
  if (ref.digest) throw new BerthError(`push ${name}: push a tag, not a digest`);
  const tag = ref.tag ?? "latest";
  const full = formatReference({ ...ref, tag });
  const store = new Store(opts.root);
  store.init();
  const index = store.readIndex();
  const image = findImage(index, full) ?? findImage(index, name);
  if (!image) throw new NotFoundError(`push ${full}: No such image: ${name}`);
  const progress = opts.progress ?? Progress.forStdout(!!opts.quiet);
  const client = clientFor(opts.root, ref.registry, opts.insecureRegistries);
  // another repository of the same registry this image is known in: its blobs can be mounted from there
  const mountFrom = [...image.repoTags, ...image.repoDigests]
    .map((t) => {
      try {
        return parseReference(t);
      } catch {
        return undefined;
      }
    })
    .find((r) => r && r.registry === ref.registry && r.repository !== ref.repository)?.repository;

  return await withLock(store.gcLockPath, async () => {
    progress.say(`The push refers to repository [${ref.registry}/${ref.repository}]`);
    const blobs: Blob[] = [
      ...image.layers.map((l) => ({ digest: l.digest, size: l.size, path: store.blobPath(l.digest), label: l.digest.slice(7, 19) })),
      { digest: image.id, size: Deno.statSync(store.blobPath(image.id)).size, path: store.blobPath(image.id), label: image.id.slice(7, 19) },
    ];
    for (const b of blobs) {
      if (!store.hasBlob(b.digest)) throw new BerthError(`push ${full}: blob ${b.digest} is missing from the store (pull the image again)`);
      progress.add(b.label, "Preparing", b.size);
    }
    try {
      for (const b of blobs) await uploadBlob(client, ref.repository, b, mountFrom, progress);
    } finally {
      progress.finish();
    }
    const manifest = store.readBlob(image.manifestDigest);
    const res = await client.request("PUT", `/v2/${ref.repository}/manifests/${tag}`, {
      scope: `repository:${ref.repository}:pull,push`,
      headers: { "content-type": image.manifestMediaType },
      body: manifest as Uint8Array<ArrayBuffer>,
    });
    await res.body?.cancel();
    if (res.status !== 201 && res.status !== 200) await client.fail(`push ${full}: manifest`, res);
    const claimed = res.headers.get("docker-content-digest");
    if (claimed && claimed !== image.manifestDigest) {
      throw new BerthError(`push ${full}: the registry stored the manifest as ${claimed}, not ${image.manifestDigest}`);
    }
    progress.say(`${tag}: digest: ${image.manifestDigest} size: ${manifest.length}`);
    const repoDigest = `${ref.registry}/${ref.repository}@${image.manifestDigest}`;
    await store.updateIndex((idx) => {
      const rec = idx.images[image.id];
      if (rec && !rec.repoDigests.includes(repoDigest)) rec.repoDigests.push(repoDigest);
    });
    return { reference: full, digest: image.manifestDigest, size: manifest.length };
  }, false);
}
