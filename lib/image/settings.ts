/**
 * Per-root settings in `ROOT/config.json`, e.g.
 * `{"insecureRegistries": ["myhost:5000"], "registryIdleTimeout": 30}`.
 */
import { join } from "../util/path.ts";
import { readJsonSync } from "../util/atomic_write.ts";
import { BerthError } from "../util/errors.ts";

export interface Settings {
  insecureRegistries?: string[];
  /** seconds a registry may send nothing before a request fails (default 30) */
  registryIdleTimeout?: number;
  /** the default `--pids-limit` of containers (default 2048; 0 or -1: none) */
  pidsLimit?: number;
}

/** A container's process limit when `--pids-limit` is not given (as Podman's): a fork bomb stops there. */
export const DEFAULT_PIDS_LIMIT = 2048;

/** ROOT/config.json, checked; a file that is not valid is an error that names it. */
export function readSettings(root: string): Settings {
  const path = join(root, "config.json");
  const s = readJsonSync<Settings>(path, {});
  if (typeof s !== "object" || s === null || Array.isArray(s)) throw new BerthError(`${path}: not a JSON object`);
  if (s.insecureRegistries !== undefined && (!Array.isArray(s.insecureRegistries) || s.insecureRegistries.some((r) => typeof r !== "string"))) {
    throw new BerthError(`${path}: insecureRegistries must be a list of registry names`);
  }
  const t = s.registryIdleTimeout;
  if (t !== undefined && (typeof t !== "number" || !(t > 0))) {
    throw new BerthError(`${path}: registryIdleTimeout must be a number of seconds greater than 0`);
  }
  if (s.pidsLimit !== undefined && !Number.isInteger(s.pidsLimit)) throw new BerthError(`${path}: pidsLimit must be an integer`);
  return s;
}

/** `registryIdleTimeout` in milliseconds, for RegistryClient (undefined: its default). */
export const idleTimeoutMsOf = (s: Settings) => (s.registryIdleTimeout === undefined ? undefined : s.registryIdleTimeout * 1000);
