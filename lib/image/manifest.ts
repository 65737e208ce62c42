/**
 * Manifests and indexes: OCI image manifest and index, Docker schema2 manifest and manifest list.
 * Parses, validates (media types, digests, sizes) and picks a platform from an index.
 */
import { BerthError } from "../util/errors.ts";

export const MT = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNdGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerLayerForeign: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
} as const;

/** The Accept header for manifest requests, in order of preference. */
export const MANIFEST_ACCEPT = [MT.ociIndex, MT.ociManifest, MT.dockerList, MT.dockerManifest].join(", ");

export type Compression = "gzip" | "zstd" | "none";

const LAYER_TYPES: Record<string, Compression> = {
  [MT.ociLayer]: "none",
  [MT.ociLayerGzip]: "gzip",
  [MT.ociLayerZstd]: "zstd",
  [MT.ociLayerNdGzip]: "gzip",
  [MT.dockerLayerGzip]: "gzip",
  [MT.dockerLayerForeign]: "gzip",
  "application/vnd.docker.image.rootfs.diff.tar": "none",
};

/** Refuse anything larger: no real manifest is near this, and we hold manifests in memory. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** A layer larger than this is refused as absurd (64 GiB). */
export const MAX_LAYER_BYTES = 64 * 1024 ** 3;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
}

export type ParsedManifest = { kind: "manifest"; manifest: ImageManifest } | { kind: "index"; index: ImageIndex };

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

function checkDescriptor(d: unknown, what: string): Descriptor {
  const x = d as Descriptor;
  if (!x || typeof x !== "object") throw new BerthError(`${what}: missing descriptor`);
  if (typeof x.digest !== "string" || !DIGEST_RE.test(x.digest)) {
    throw new BerthError(`${what}: unsupported or malformed digest ${JSON.stringify(x.digest)}`);
  }
  if (typeof x.size !== "number" || !Number.isSafeInteger(x.size) || x.size < 0) {
    throw new BerthError(`${what}: bad size ${JSON.stringify(x.size)}`);
  }
  if (typeof x.mediaType !== "string") throw new BerthError(`${what}: missing media type`);
  return x;
}

/** The compression of a layer media type, or an error naming the unsupported type. */
export function layerCompression(mediaType: string): Compression {
  const c = LAYER_TYPES[mediaType];
  if (!c) throw new BerthError(`unsupported layer media type ${mediaType}`);
  return c;
}

/**
 * Parses manifest bytes. `contentType` is the registry's Content-Type; the document's own
 * `mediaType` wins when present. Docker schema1 and unknown types are refused.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | null, what: string): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new BerthError(`${what}: manifest too large (${bytes.length} bytes)`);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new BerthError(`${what}: manifest is not valid JSON`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new BerthError(`${what}: manifest is not a JSON object`);
  const ct = (contentType ?? "").split(";")[0].trim();
  let mt = typeof doc.mediaType === "string" ? doc.mediaType : ct;
  if (!mt || mt === "application/json" || mt === "application/octet-stream") {
    mt = Array.isArray(doc.manifests) ? MT.ociIndex : doc.config ? MT.ociManifest : mt;
  }
  if (doc.schemaVersion === 1 || mt.includes("distribution.manifest.v1")) {
    throw new BerthError(`${what}: Docker schema1 manifests are not supported`);
  }
  if (mt === MT.ociIndex || mt === MT.dockerList) {
    if (!Array.isArray(doc.manifests)) throw new BerthError(`${what}: index has no manifests`);
    const manifests = doc.manifests.map((m, i) => checkDescriptor(m, `${what}: manifests[${i}]`));
    return { kind: "index", index: { schemaVersion: 2, mediaType: mt, manifests } };
  }
  if (mt === MT.ociManifest || mt === MT.dockerManifest) {
    const config = checkDescriptor(doc.config, `${what}: config`);
    if (config.mediaType !== MT.ociConfig && config.mediaType !== MT.dockerConfig) {
      throw new BerthError(`${what}: not a container image (config type ${config.mediaType})`);
    }
    if (!Array.isArray(doc.layers)) throw new BerthError(`${what}: manifest has no layers`);
    const layers = doc.layers.map((l, i) => {
      const d = checkDescriptor(l, `${what}: layers[${i}]`);
      layerCompression(d.mediaType);
      if (d.size > MAX_LAYER_BYTES) throw new BerthError(`${what}: layer ${d.digest} is absurdly large (${d.size} bytes)`);
      return d;
    });
    return {
      kind: "manifest",
      manifest: {
        schemaVersion: 2,
        mediaType: mt,
        config,
        layers,
        annotations: doc.annotations as Record<string, string> | undefined,
      },
    };
  }
  throw new BerthError(`${what}: unsupported manifest media type "${mt || "(none)"}"`);
}

/** The host's platform in OCI terms. */
export function hostPlatform(): Platform {
  const arch = ({ x86_64: "amd64", aarch64: "arm64", arm: "arm", riscv64gc: "riscv64", s390x: "s390x" } as Record<
    string,
    string
  >)[Deno.build.arch] ?? Deno.build.arch;
  return { os: "linux", architecture: arch, variant: arch === "arm64" ? "v8" : undefined };
}

/** Parses `os/arch[/variant]` (`linux/arm64/v8`) or just `arch`. */
export function parsePlatform(s: string): Platform {
  const parts = s.split("/");
  if (parts.length === 1 && parts[0]) return { os: "linux", architecture: parts[0] };
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !p)) {
    throw new BerthError(`invalid platform "${s}": want os/arch[/variant]`);
  }
  return { os: parts[0], architecture: parts[1], variant: parts[2] };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** The index entry for `want`; a missing variant matches any (arm64 → v8 first). */
export function selectPlatform(index: ImageIndex, want: Platform, what: string): Descriptor {
  const candidates = index.manifests.filter((m) =>
    m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture &&
    (m.mediaType === MT.ociManifest || m.mediaType === MT.dockerManifest)
  );
  const exact = candidates.find((m) => (m.platform!.variant ?? "") === (want.variant ?? ""));
  const chosen = exact ?? (want.variant ? undefined : candidates[0]);
  if (!chosen) {
    const have = index.manifests.filter((m) => m.platform).map((m) => formatPlatform(m.platform!)).join(", ");
    throw new BerthError(`${what}: no image for platform ${formatPlatform(want)} (index has: ${have || "none"})`);
  }
  return chosen;
}
