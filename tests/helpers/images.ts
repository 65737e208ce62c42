/**
 * Builds small real images for tests (busybox-static plus crafted layers) and pushes them to a
 * test registry through the plain distribution API — no berth code on the write path except the
 * TarWriter used for deliberately malicious layers.
 */
import { createHash } from "node:crypto";
import zlib from "node:zlib";
import { join } from "node:path";
import { TarWriter, type TarWriteEntry } from "../../lib/image/tar_writer.ts";

export type Compression = "gzip" | "zstd" | "none";

export interface BuiltImage {
  manifest: Uint8Array;
  manifestDigest: string;
  mediaType: string;
  config: Uint8Array;
  configDigest: string;
  blobs: Map<string, Uint8Array>;
  diffIds: string[];
}

export const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const enc = new TextEncoder();

/**
 * A layer tar of directory `dir`, written by GNU tar (PAX, with xattrs, numeric owners).
 * `reproducible` fixes order, mtimes and the root's mode so the same content gives the same digest.
 */
export async function tarDir(dir: string, reproducible = false): Promise<Uint8Array> {
  const fixed = reproducible ? ["--sort=name", "--mtime=2026-01-01 00:00Z", "--pax-option=delete=atime,delete=ctime"] : [];
  if (reproducible) await Deno.chmod(dir, 0o755);
  const r = await new Deno.Command("tar", {
    args: ["--format=pax", "--xattrs", "--xattrs-include=*", "--numeric-owner", ...fixed, "-C", dir, "-cf", "-", "."],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`tar: ${new TextDecoder().decode(r.stderr)}`);
  return r.stdout;
}

/** A layer tar from explicit entries (for names GNU tar will not write, like `../x`). */
export async function tarEntries(entries: Array<TarWriteEntry & { data?: string | Uint8Array }>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const w = new TarWriter((c) => {
    parts.push(c.slice());
  });
  for (const e of entries) {
    const data = typeof e.data === "string" ? enc.encode(e.data) : e.data;
    await w.add({ mtime: 1700000000, ...e, size: data?.length ?? 0 }, data);
  }
  await w.finish();
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A rootfs directory holding busybox-static and its applet links, under `dir`. */
export async function busyboxRootfs(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "bin"), { recursive: true });
  await Deno.copyFile("/bin/busybox", join(dir, "bin/busybox"));
  await Deno.chmod(join(dir, "bin/busybox"), 0o755);
  for (const app of ["sh", "ls", "cat", "echo", "true", "false", "id", "stat", "sleep", "env", "wc", "head"]) {
    await Deno.symlink("busybox", join(dir, "bin", app));
  }
  for (const d of ["etc", "tmp", "root", "proc", "sys", "dev"]) await Deno.mkdir(join(dir, d), { recursive: true });
  await Deno.chmod(join(dir, "tmp"), 0o1777);
  await Deno.writeTextFile(join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  await Deno.writeTextFile(join(dir, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
}

function compress(tar: Uint8Array, c: Compression): Uint8Array {
  if (c === "gzip") return zlib.gzipSync(tar);
  if (c === "zstd") return zlib.zstdCompressSync(tar);
  return tar;
}

const LAYER_TYPES = {
  oci: {
    gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
    zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
    none: "application/vnd.oci.image.layer.v1.tar",
  },
  docker: {
    gzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
    zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
    none: "application/vnd.docker.image.rootfs.diff.tar",
  },
};

export interface BuildOptions {
  layers: Uint8Array[];
  compression?: Compression | Compression[];
  format?: "oci" | "docker";
  architecture?: string;
  cmd?: string[];
  env?: string[];
  /** history `created_by` per layer (default "test layer N") */
  createdBy?: string[];
  /** more fields of the image's `config` (Entrypoint, User, WorkingDir, Volumes, …) */
  config?: Record<string, unknown>;
}

export function buildImage(opts: BuildOptions): BuiltImage {
  const format = opts.format ?? "oci";
  const blobs = new Map<string, Uint8Array>();
  const layerDescs = opts.layers.map((tar, i) => {
    const c = Array.isArray(opts.compression) ? opts.compression[i] : opts.compression ?? "gzip";
    const blob = compress(tar, c);
    const digest = sha256(blob);
    blobs.set(digest, blob);
    return { mediaType: LAYER_TYPES[format][c], digest, size: blob.length };
  });
  const diffIds = opts.layers.map(sha256);
  const config = enc.encode(JSON.stringify({
    architecture: opts.architecture ?? "amd64",
    os: "linux",
    created: "2026-01-02T03:04:05Z",
    config: {
      Cmd: opts.cmd ?? ["/bin/sh"],
      Env: opts.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      ...opts.config,
    },
    rootfs: { type: "layers", diff_ids: diffIds },
    history: opts.layers.map((_, i) => ({
      created: "2026-01-02T03:04:05Z",
      created_by: opts.createdBy?.[i] ?? `test layer ${i}`,
    })),
  }));
  const configDigest = sha256(config);
  blobs.set(configDigest, config);
  const mediaType = format === "oci"
    ? "application/vnd.oci.image.manifest.v1+json"
    : "application/vnd.docker.distribution.manifest.v2+json";
  const manifest = enc.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: format === "oci" ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json",
      digest: configDigest,
      size: config.length,
    },
    layers: layerDescs,
  }));
  return { manifest, manifestDigest: sha256(manifest), mediaType, config, configDigest, blobs, diffIds };
}

export interface PushAuth {
  user: string;
  password: string;
}

async function authHeader(url: string, auth: PushAuth | undefined, repo: string): Promise<Record<string, string>> {
  if (!auth) return {};
  const basic = `Basic ${btoa(`${auth.user}:${auth.password}`)}`;
  const probe = await fetch(`${url}/v2/`);
  await probe.body?.cancel();
  const ch = probe.headers.get("www-authenticate") ?? "";
  if (!ch.toLowerCase().startsWith("bearer")) return { authorization: basic };
  const realm = /realm="([^"]+)"/.exec(ch)![1];
  const service = /service="([^"]+)"/.exec(ch)![1];
  const r = await fetch(`${realm}?service=${service}&scope=repository:${repo}:pull,push`, { headers: { authorization: basic } });
  const { token } = await r.json();
  return { authorization: `Bearer ${token}` };
}

/** Uploads every blob (monolithic POST+PUT) and the manifest under `tag`. */
export async function pushImage(url: string, repo: string, tag: string, img: BuiltImage, auth?: PushAuth): Promise<void> {
  const h = await authHeader(url, auth, repo);
  for (const [digest, bytes] of img.blobs) await pushBlob(url, repo, digest, bytes, h);
  await putManifest(url, repo, tag, img.manifest, img.mediaType, h);
}

export async function pushBlob(url: string, repo: string, digest: string, bytes: Uint8Array, h: Record<string, string> = {}) {
  const start = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: "POST", headers: h });
  await start.body?.cancel();
  if (start.status !== 202) throw new Error(`upload start ${start.status}`);
  const loc = new URL(start.headers.get("location")!, url);
  loc.searchParams.set("digest", digest);
  const put = await fetch(loc, {
    method: "PUT",
    headers: { ...h, "content-type": "application/octet-stream" },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`blob put ${put.status}`);
}

export async function putManifest(
  url: string,
  repo: string,
  tag: string,
  bytes: Uint8Array,
  mediaType: string,
  h: Record<string, string> = {},
) {
  const r = await fetch(`${url}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    headers: { ...h, "content-type": mediaType },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  const text = await r.text();
  if (r.status !== 201) throw new Error(`manifest put ${r.status}: ${text}`);
}

/** Pushes several single-platform images and an OCI index over them under `tag`. */
export async function pushIndex(
  url: string,
  repo: string,
  tag: string,
  images: Array<{ img: BuiltImage; architecture: string; variant?: string }>,
): Promise<string> {
  for (const { img } of images) {
    for (const [d, b] of img.blobs) await pushBlob(url, repo, d, b);
    await putManifest(url, repo, img.manifestDigest, img.manifest, img.mediaType);
  }
  const index = enc.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: images.map(({ img, architecture, variant }) => ({
      mediaType: img.mediaType,
      digest: img.manifestDigest,
      size: img.manifest.length,
      platform: { os: "linux", architecture, ...(variant ? { variant } : {}) },
    })),
  }));
  await putManifest(url, repo, tag, index, "application/vnd.oci.image.index.v1+json");
  return sha256(index);
}
