/**
 * Registry credentials: berth's own `auth.json` under the root (written by `berth login`, mode 0600)
 * and, read-only, the `auths` of `~/.docker/config.json` — the same base64 `user:password` format.
 */
import { join } from "../util/path.ts";
import { readJsonSync, writeFileAtomicSync } from "../util/atomic_write.ts";
import { DEFAULT_REGISTRY } from "./reference.ts";

export interface Credentials {
  username: string;
  password: string;
}

interface AuthFile {
  auths: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

/** Docker keeps Docker Hub's credentials under its v1 URL. */
function keysFor(registry: string): string[] {
  if (registry === DEFAULT_REGISTRY) {
    return [DEFAULT_REGISTRY, "https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io"];
  }
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

function decode(entry: AuthFile["auths"][string] | undefined): Credentials | undefined {
  if (!entry) return undefined;
  if (entry.auth) {
    const text = atob(entry.auth);
    const i = text.indexOf(":");
    if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}

function authFilePath(root: string): string {
  return join(root, "auth.json");
}

function dockerConfigPath(): string | undefined {
  const dir = Deno.env.get("DOCKER_CONFIG");
  if (dir) return join(dir, "config.json");
  const home = Deno.env.get("HOME");
  return home ? join(home, ".docker", "config.json") : undefined;
}

/**
 * Credentials handed to one berth process and never stored: JSON `{"REGISTRY": {"username", "password"}}`.
 * The API service passes a client's X-Registry-Auth / X-Registry-Config this way to its push and build children.
 */
export const PASSED_AUTH_ENV = "BERTH_REGISTRY_AUTH";

function passedCredentials(registry: string): Credentials | undefined {
  const raw = Deno.env.get(PASSED_AUTH_ENV);
  if (!raw) return undefined;
  try {
    const map = JSON.parse(raw) as Record<string, Partial<Credentials>>;
    for (const key of keysFor(registry)) {
      const c = map[key];
      if (c?.username && c.password) return { username: c.username, password: c.password };
    }
  } catch { /* not JSON: none */ }
  return undefined;
}

/** Credentials for `registry`: those passed to this process, then berth's own, then Docker's config. */
export function findCredentials(root: string, registry: string): Credentials | undefined {
  const passed = passedCredentials(registry);
  if (passed) return passed;
  const sources = [authFilePath(root), dockerConfigPath()].filter((p): p is string => !!p);
  for (const path of sources) {
    let file: AuthFile;
    try {
      file = readJsonSync<AuthFile>(path, { auths: {} });
    } catch {
      continue; // an unreadable docker config must not break pulls that need no auth
    }
    for (const key of keysFor(registry)) {
      const c = decode(file.auths?.[key]);
      if (c) return c;
    }
  }
  return undefined;
}

/** Stores credentials for `registry` in berth's auth file (0600). */
export function saveCredentials(root: string, registry: string, creds: Credentials): void {
  const path = authFilePath(root);
  const file = readJsonSync<AuthFile>(path, { auths: {} });
  file.auths ??= {};
  file.auths[registry] = { auth: btoa(`${creds.username}:${creds.password}`) };
  writeFileAtomicSync(path, JSON.stringify(file, null, 2) + "\n", 0o600);
}

/** Removes stored credentials; returns false when there were none. */
export function removeCredentials(root: string, registry: string): boolean {
  const path = authFilePath(root);
  const file = readJsonSync<AuthFile>(path, { auths: {} });
  if (!file.auths?.[registry]) return false;
  delete file.auths[registry];
  writeFileAtomicSync(path, JSON.stringify(file, null, 2) + "\n", 0o600);
  return true;
}
