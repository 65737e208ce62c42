/**
 * The OCI runtime spec's config.json (runtime-spec 1.x, the Linux parts berth runs), read from a bundle
 * and checked: every error names the field and what was expected, before anything is created.
 *
 * @example
 * ```ts
 * const { config, rootfs } = readBundle("/run/bundles/web");
 * console.log(config.process?.args, rootfs);
 * ```
 */
import { BerthError } from "../util/errors.ts";
import { join } from "../util/path.ts";

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface OciProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: { bounding?: string[]; effective?: string[]; inheritable?: string[]; permitted?: string[]; ambient?: string[] };
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  apparmorProfile?: string;
  selinuxLabel?: string;
}

export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export type HookName = "prestart" | "createRuntime" | "createContainer" | "startContainer" | "poststart" | "poststop";

export interface OciNamespace {
  type: string;
  path?: string;
}

export interface OciDevice {
  type: string;
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface OciDeviceRule {
  allow: boolean;
  type?: string;
  major?: number | null;
  minor?: number | null;
  access?: string;
}

export interface OciResources {
  devices?: OciDeviceRule[];
  memory?: { limit?: number; swap?: number; reservation?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit?: number };
  blockIO?: { weight?: number };
}

export interface OciSeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Array<{ index: number; value: number; valueTwo?: number; op: string }>;
}

export interface OciLinux {
  namespaces?: OciNamespace[];
  uidMappings?: Array<{ containerID: number; hostID: number; size: number }>;
  gidMappings?: Array<{ containerID: number; hostID: number; size: number }>;
  devices?: OciDevice[];
  cgroupsPath?: string;
  resources?: OciResources;
  sysctl?: Record<string, string>;
  seccomp?: { defaultAction: string; defaultErrnoRet?: number; architectures?: string[]; syscalls?: OciSeccompSyscall[] };
  maskedPaths?: string[];
  readonlyPaths?: string[];
  rootfsPropagation?: string;
  mountLabel?: string;
}

export interface OciConfig {
  ociVersion: string;
  root?: { path: string; readonly?: boolean };
  process?: OciProcess;
  hostname?: string;
  mounts?: OciMount[];
  hooks?: Partial<Record<HookName, OciHook[]>>;
  annotations?: Record<string, string>;
  linux?: OciLinux;
}

/** The namespace types of the spec, by name. */
export const NAMESPACE_TYPES = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"] as const;

export class ConfigError extends BerthError {
  constructor(message: string) {
    super(message, 1);
    this.name = "ConfigError";
  }
}

function fail(field: string, what: string): never {
  throw new ConfigError(`config.json: ${field}: ${what}`);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");
const isUint = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;

/** Checks the fields berth relies on; returns the config typed. */
export function validateConfig(raw: unknown): OciConfig {
  if (!isObj(raw)) fail("(top)", "expected a JSON object");
  if (typeof raw.ociVersion !== "string") fail("ociVersion", "expected a string (e.g. \"1.0.2\")");
  if (raw.root !== undefined && (!isObj(raw.root) || typeof raw.root.path !== "string" || !raw.root.path)) fail("root.path", "expected a non-empty string");
  const p = raw.process;
  if (p !== undefined) {
    if (!isObj(p)) fail("process", "expected an object");
    if (!isStrings(p.args) || p.args.length === 0) fail("process.args", "expected a non-empty list of strings");
    if (typeof p.cwd !== "string" || !p.cwd.startsWith("/")) fail("process.cwd", "expected an absolute path");
    if (!isObj(p.user) || !isUint(p.user.uid) || !isUint(p.user.gid)) fail("process.user", "expected {uid, gid} as non-negative integers");
    if (p.user.additionalGids !== undefined && (!Array.isArray(p.user.additionalGids) || !p.user.additionalGids.every(isUint))) {
      fail("process.user.additionalGids", "expected a list of non-negative integers");
    }
    if (p.env !== undefined && !isStrings(p.env)) fail("process.env", "expected a list of strings");
    if (p.rlimits !== undefined) {
      if (!Array.isArray(p.rlimits)) fail("process.rlimits", "expected a list");
      for (const [i, r] of (p.rlimits as unknown[]).entries()) {
        if (!isObj(r) || typeof r.type !== "string" || !Number.isFinite(r.hard) || !Number.isFinite(r.soft)) fail(`process.rlimits[${i}]`, "expected {type, hard, soft}");
      }
    }
    if (p.capabilities !== undefined) {
      if (!isObj(p.capabilities)) fail("process.capabilities", "expected an object");
      for (const [k, v] of Object.entries(p.capabilities)) if (!isStrings(v)) fail(`process.capabilities.${k}`, "expected a list of strings");
    }
  }
  if (raw.mounts !== undefined) {
    if (!Array.isArray(raw.mounts)) fail("mounts", "expected a list");
    for (const [i, m] of (raw.mounts as unknown[]).entries()) {
      if (!isObj(m) || typeof m.destination !== "string" || !m.destination.startsWith("/")) fail(`mounts[${i}].destination`, "expected an absolute path");
      if (m.options !== undefined && !isStrings(m.options)) fail(`mounts[${i}].options`, "expected a list of strings");
    }
  }
  const l = raw.linux;
  if (l !== undefined) {
    if (!isObj(l)) fail("linux", "expected an object");
    if (l.namespaces !== undefined) {
      if (!Array.isArray(l.namespaces)) fail("linux.namespaces", "expected a list");
      const seen = new Set<string>();
      for (const [i, n] of (l.namespaces as unknown[]).entries()) {
        if (!isObj(n) || typeof n.type !== "string") fail(`linux.namespaces[${i}]`, "expected {type[, path]}");
        if (!(NAMESPACE_TYPES as readonly string[]).includes(n.type)) {
          fail(`linux.namespaces[${i}].type`, `unknown namespace type "${n.type}" (one of ${NAMESPACE_TYPES.join(", ")})`);
        }
        if (seen.has(n.type)) fail(`linux.namespaces[${i}]`, `namespace type "${n.type}" given twice`);
        seen.add(n.type);
        if (n.path !== undefined && (typeof n.path !== "string" || !n.path.startsWith("/"))) fail(`linux.namespaces[${i}].path`, "expected an absolute path");
      }
    }
    if (l.maskedPaths !== undefined && !isStrings(l.maskedPaths)) fail("linux.maskedPaths", "expected a list of strings");
    if (l.readonlyPaths !== undefined && !isStrings(l.readonlyPaths)) fail("linux.readonlyPaths", "expected a list of strings");
    if (l.sysctl !== undefined && (!isObj(l.sysctl) || !Object.values(l.sysctl).every((v) => typeof v === "string"))) fail("linux.sysctl", "expected an object of strings");
    for (const key of Object.keys((l.sysctl ?? {}) as object)) {
      if (!/^[A-Za-z0-9_-]+([./][A-Za-z0-9_-]+)*$/.test(key)) fail(`linux.sysctl`, `invalid key "${key}"`);
    }
    if (l.cgroupsPath !== undefined && typeof l.cgroupsPath !== "string") fail("linux.cgroupsPath", "expected a string");
  }
  if (raw.hooks !== undefined) {
    if (!isObj(raw.hooks)) fail("hooks", "expected an object");
    for (const [k, list] of Object.entries(raw.hooks)) {
      if (!Array.isArray(list)) fail(`hooks.${k}`, "expected a list");
      for (const [i, h] of (list as unknown[]).entries()) {
        if (!isObj(h) || typeof h.path !== "string" || !h.path.startsWith("/")) fail(`hooks.${k}[${i}].path`, "expected an absolute path");
      }
    }
  }
  return raw as unknown as OciConfig;
}

/** The bundle's config, checked, and its rootfs as an absolute path (which must be a directory). */
export function readBundle(bundle: string): { config: OciConfig; rootfs: string; bundle: string } {
  const dir = bundle.startsWith("/") ? bundle : join(Deno.cwd(), bundle);
  let text: string;
  try {
    text = Deno.readTextFileSync(join(dir, "config.json"));
  } catch (err) {
    throw new ConfigError(err instanceof Deno.errors.NotFound ? `${join(dir, "config.json")}: no such file (is ${dir} a bundle?)` : `${join(dir, "config.json")}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config.json: invalid JSON: ${(err as Error).message}`);
  }
  const config = validateConfig(raw);
  if (!config.root) fail("root", "missing (the rootfs)");
  if (!config.process) fail("process", "missing");
  const rootfs = config.root.path.startsWith("/") ? config.root.path : join(dir, config.root.path);
  let isDir = false;
  try {
    isDir = Deno.statSync(rootfs).isDirectory;
  } catch { /* below */ }
  if (!isDir) throw new ConfigError(`rootfs (${rootfs}) does not exist`);
  return { config, rootfs, bundle: dir };
}
