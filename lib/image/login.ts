/** `berth login` / `berth logout`: check credentials against the registry, then store or forget them. */
import { BerthError } from "../util/errors.ts";
import { removeCredentials, saveCredentials } from "./auth_store.ts";
import { DEFAULT_REGISTRY } from "./reference.ts";
import { RegistryClient } from "./registry_client.ts";
import { idleTimeoutMsOf, readSettings } from "./settings.ts";

export interface LoginOptions {
  root: string;
  username: string;
  password: string;
  insecureRegistries?: string[];
  /** keep them in ROOT/auth.json (default); false: only check them (the API's /auth, as dockerd) */
  store?: boolean;
}

/** Normalises what users type: `https://host/v2/` → `host`; nothing → Docker Hub. */
export function registryFromArg(arg?: string): string {
  if (!arg) return DEFAULT_REGISTRY;
  const host = arg.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  return host === "index.docker.io" || host === "registry-1.docker.io" ? DEFAULT_REGISTRY : host;
}

export async function login(registry: string, opts: LoginOptions): Promise<void> {
  if (!opts.username) throw new BerthError("login: username is empty");
  if (!opts.password) throw new BerthError("login: password is empty");
  const settings = readSettings(opts.root);
  const insecure = [...(opts.insecureRegistries ?? []), ...(settings.insecureRegistries ?? [])];
  const client = new RegistryClient(registry, {
    insecure: insecure.includes(registry),
    credentials: { username: opts.username, password: opts.password },
    idleTimeoutMs: idleTimeoutMsOf(settings),
  });
  try {
    await client.ping();
  } catch (err) {
    throw new BerthError(`login ${registry}: ${(err as Error).message.replace(`${registry}: `, "")}`);
  }
  if (opts.store === false) return;
  Deno.mkdirSync(opts.root, { recursive: true, mode: 0o700 });
  saveCredentials(opts.root, registry, { username: opts.username, password: opts.password });
}

/** Returns false when there were no stored credentials. */
export function logout(root: string, registry: string): boolean {
  return removeCredentials(root, registry);
}
