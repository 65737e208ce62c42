/**
 * Image references with Docker's normalisation rules:
 * `busybox` → `docker.io/library/busybox:latest`, `host:5000/a/b:tag`, `name@sha256:…`.
 *
 * @example
 * ```ts
 * const ref = parseReference("busybox");
 * ref.registry; // "docker.io"
 * ref.repository; // "library/busybox"
 * formatReference(ref); // "docker.io/library/busybox:latest"
 * ```
 */
import { BerthError } from "../util/errors.ts";

export interface Reference {
  /** e.g. `docker.io`, `127.0.0.1:5000` */
  registry: string;
  /** e.g. `library/busybox` */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>` */
  digest?: string;
}

export const DEFAULT_REGISTRY = "docker.io";
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?$|^\[[0-9a-fA-F:.]+\](?::\d+)?$/;

/** Parses `ref`, throwing a {@link BerthError} that names what is wrong. */
export function parseReference(ref: string): Reference {
  const bad = (why: string) => new BerthError(`invalid reference format "${ref}": ${why}`);
  if (!ref) throw bad("empty");
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad("digest must be sha256:<64 lowercase hex>");
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`bad tag "${tag}"`);
  }
  let registry = DEFAULT_REGISTRY;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("[")) {
      registry = first;
      path = rest.slice(slash + 1);
      if (!DOMAIN.test(registry)) throw bad(`bad registry "${registry}"`);
    }
  }
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !path.includes("/")) path = `library/${path}`;
  if (!path) throw bad("missing repository name");
  for (const comp of path.split("/")) {
    if (!COMPONENT.test(comp)) {
      throw bad(comp.toLowerCase() === comp ? `bad name component "${comp}"` : "repository name must be lowercase");
    }
  }
  if (path.length > 255) throw bad("repository name too long");
  if (!tag && !digest) tag = "latest";
  return { registry, repository: path, tag, digest };
}

/** `registry/repository` */
export function repoName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The full normalised form: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  let s = repoName(ref);
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/**
 * The name as Docker shows it: Docker Hub's prefix left out (`docker.io/library/busybox` → `busybox`,
 * `docker.io/me/app` → `me/app`); other registries' names stay whole.
 */
export function familiarName(name: string): string {
  if (!name.startsWith(`${DEFAULT_REGISTRY}/`)) return name;
  const rest = name.slice(DEFAULT_REGISTRY.length + 1);
  return rest.startsWith("library/") && !rest.slice(8).includes("/") ? rest.slice(8) : rest;
}

/** True for registries berth talks plain HTTP to by default (loopback, as Docker does). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host to talk to for a registry name (Docker Hub's API lives elsewhere). */
export function registryEndpointHost(registry: string): string {
  return registry === DEFAULT_REGISTRY ? "registry-1.docker.io" : registry;
}
