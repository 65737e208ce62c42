/**
 * Seccomp profiles in Docker's JSON format (a superset of the OCI runtime spec's `linux.seccomp`):
 * parsing with errors a user can act on, and resolution of a profile for one container — its
 * capabilities, this kernel and architecture decide which conditional rules apply.
 *
 * @example
 * ```ts
 * const profile = parseProfile(Deno.readTextFileSync("profile.json"), "profile.json");
 * const rules = resolveProfile(profile, { capabilities: ["CAP_CHOWN"], kernel: "6.1.0" });
 * ```
 */
import { BerthError } from "../../util/errors.ts";

export type Action =
  | "SCMP_ACT_ALLOW" | "SCMP_ACT_ERRNO" | "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" | "SCMP_ACT_KILL_PROCESS"
  | "SCMP_ACT_TRAP" | "SCMP_ACT_TRACE" | "SCMP_ACT_LOG";
export type Op =
  | "SCMP_CMP_NE" | "SCMP_CMP_LT" | "SCMP_CMP_LE" | "SCMP_CMP_EQ" | "SCMP_CMP_GE" | "SCMP_CMP_GT" | "SCMP_CMP_MASKED_EQ";

export interface ArgCondition {
  index: number;
  value: number | bigint;
  /** SCMP_CMP_MASKED_EQ: `value` is the mask, `valueTwo` what the masked argument must equal */
  valueTwo?: number | bigint;
  op: Op;
}

/** When a rule applies (Docker's `includes`/`excludes`). */
export interface RuleFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface SyscallRule {
  names: string[];
  action: Action;
  errnoRet?: number;
  args?: ArgCondition[] | null;
  includes?: RuleFilter;
  excludes?: RuleFilter;
  comment?: string;
}

export interface SeccompProfile {
  defaultAction: Action;
  defaultErrnoRet?: number;
  /** Docker: the native architecture and the ones its programs may also use */
  archMap?: { architecture: string; subArchitectures: string[] | null }[] | null;
  /** OCI: the architectures the filter accepts */
  architectures?: string[] | null;
  syscalls?: SyscallRule[] | null;
}

/** A rule as the compiler takes it: for one syscall name, on this host. */
export interface ResolvedRule {
  name: string;
  action: Action;
  errno?: number;
  args: ArgCondition[];
}

export interface ResolvedProfile {
  defaultAction: Action;
  defaultErrno?: number;
  /** "x86_64", "x86", "x32": the ABIs the filter lets through to the rules */
  arches: Set<string>;
  rules: ResolvedRule[];
}

const ACTIONS = new Set<string>([
  "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG",
]);
const OPS = new Set<string>([
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
]);
/** libseccomp's architecture names → the ABIs of this x86-64 build (others are not ours to run). */
const ARCHES: Record<string, string | null> = {
  SCMP_ARCH_X86_64: "x86_64", SCMP_ARCH_X86: "x86", SCMP_ARCH_X32: "x32",
  SCMP_ARCH_AARCH64: null, SCMP_ARCH_ARM: null, SCMP_ARCH_MIPS: null, SCMP_ARCH_MIPS64: null,
  SCMP_ARCH_MIPS64N32: null, SCMP_ARCH_MIPSEL: null, SCMP_ARCH_MIPSEL64: null, SCMP_ARCH_MIPSEL64N32: null,
  SCMP_ARCH_PPC: null, SCMP_ARCH_PPC64: null, SCMP_ARCH_PPC64LE: null, SCMP_ARCH_S390: null, SCMP_ARCH_S390X: null,
  SCMP_ARCH_PARISC: null, SCMP_ARCH_PARISC64: null, SCMP_ARCH_RISCV64: null, SCMP_ARCH_LOONGARCH64: null,
};
/** Docker's `includes.arches` names this host answers to (Go's GOARCH and its sub-architectures). */
const HOST_ARCH_NAMES = new Set(["amd64", "x86_64"]);

function bad(source: string, what: string): never {
  throw new BerthError(`seccomp profile ${source}: ${what}`, 125);
}

function isInt(v: unknown): v is number | bigint {
  return (typeof v === "number" && Number.isInteger(v) && v >= 0) || typeof v === "bigint";
}

/** A profile from its JSON text, every field checked; errors name the file and the field. */
export function parseProfile(text: string, source: string): SeccompProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    bad(source, `not valid JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) bad(source, "not a JSON object");
  const p = raw as Record<string, unknown>;
  if (typeof p.defaultAction !== "string" || !ACTIONS.has(p.defaultAction)) {
    bad(source, `defaultAction: ${p.defaultAction === undefined ? "missing" : `unknown action ${JSON.stringify(p.defaultAction)}`}`);
  }
  if (p.defaultErrnoRet !== undefined && !isInt(p.defaultErrnoRet)) bad(source, "defaultErrnoRet: not an errno number");
  for (const a of (p.architectures as unknown[] | null | undefined) ?? []) {
    if (typeof a !== "string" || !(a in ARCHES)) bad(source, `architectures: unknown architecture ${JSON.stringify(a)}`);
  }
  for (const m of (p.archMap as unknown[] | null | undefined) ?? []) {
    const e = m as Record<string, unknown>;
    if (typeof e?.architecture !== "string" || !(e.architecture in ARCHES)) bad(source, `archMap: unknown architecture ${JSON.stringify(e?.architecture)}`);
    for (const s of (e.subArchitectures as unknown[] | null) ?? []) {
      if (typeof s !== "string" || !(s in ARCHES)) bad(source, `archMap: unknown architecture ${JSON.stringify(s)}`);
    }
  }
  if (p.syscalls !== undefined && p.syscalls !== null && !Array.isArray(p.syscalls)) bad(source, "syscalls: not a list");
  ((p.syscalls as unknown[] | null) ?? []).forEach((r, i) => {
    const rule = r as Record<string, unknown>;
    const where = `syscalls[${i}]`;
    if (!rule || typeof rule !== "object") bad(source, `${where}: not an object`);
    const names = rule.names ?? (rule.name !== undefined ? [rule.name] : undefined);
    if (!Array.isArray(names) || !names.length || names.some((n) => typeof n !== "string" || !n)) bad(source, `${where}: names must be a list of syscall names`);
    if (rule.name !== undefined && rule.names === undefined) rule.names = names; // Docker's older single "name"
    if (typeof rule.action !== "string" || !ACTIONS.has(rule.action)) bad(source, `${where}: unknown action ${JSON.stringify(rule.action)}`);
    if (rule.errnoRet !== undefined && !isInt(rule.errnoRet)) bad(source, `${where}: errnoRet is not an errno number`);
    if (rule.args !== undefined && rule.args !== null && !Array.isArray(rule.args)) bad(source, `${where}: args must be a list`);
    ((rule.args as unknown[] | null) ?? []).forEach((c, j) => {
      const a = c as Record<string, unknown>;
      if (!a || typeof a !== "object") bad(source, `${where}.args[${j}]: not an object`);
      if (!isInt(a.index) || Number(a.index) > 5) bad(source, `${where}.args[${j}]: index must be 0 to 5`);
      if (!isInt(a.value)) bad(source, `${where}.args[${j}]: value must be an unsigned integer`);
      if (a.valueTwo !== undefined && !isInt(a.valueTwo)) bad(source, `${where}.args[${j}]: valueTwo must be an unsigned integer`);
      if (typeof a.op !== "string" || !OPS.has(a.op)) bad(source, `${where}.args[${j}]: unknown op ${JSON.stringify(a.op)}`);
    });
    if (((rule.args as unknown[] | null) ?? []).length > 6) bad(source, `${where}: at most 6 argument conditions`);
  });
  return p as unknown as SeccompProfile;
}

/** Whether kernel release `kernel` ("6.1.0-13-amd64") is `min` ("4.8") or later. */
export function kernelAtLeast(kernel: string, min: string): boolean {
  const a = kernel.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const b = min.split(".").map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length, 2); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/**
 * The rules that apply to a container with these capabilities on this kernel (Docker's logic: every
 * `includes.caps` present, no `excludes.caps`; `arches` against this host's; `minKernel`).
 */
export function resolveProfile(profile: SeccompProfile, host: { capabilities: string[]; kernel: string }): ResolvedProfile {
  const caps = new Set(host.capabilities.map((c) => c.toUpperCase().replace(/^(CAP_)?/, "CAP_")));
  const capName = (c: string) => c.toUpperCase().replace(/^(CAP_)?/, "CAP_");
  const arches = new Set<string>();
  for (const m of profile.archMap ?? []) {
    if (ARCHES[m.architecture] !== "x86_64") continue;
    arches.add("x86_64");
    for (const s of m.subArchitectures ?? []) if (ARCHES[s]) arches.add(ARCHES[s]!);
  }
  for (const a of profile.architectures ?? []) if (ARCHES[a]) arches.add(ARCHES[a]!);
  if (!arches.size) arches.add("x86_64"); // a profile that names none: the native ABI only
  const rules: ResolvedRule[] = [];
  for (const r of profile.syscalls ?? []) {
    const inc = r.includes ?? {}, exc = r.excludes ?? {};
    if (inc.caps?.length && !inc.caps.every((c) => caps.has(capName(c)))) continue;
    if (exc.caps?.some((c) => caps.has(capName(c)))) continue;
    if (inc.arches?.length && !inc.arches.some((a) => HOST_ARCH_NAMES.has(a))) continue;
    if (exc.arches?.some((a) => HOST_ARCH_NAMES.has(a))) continue;
    if (inc.minKernel && !kernelAtLeast(host.kernel, inc.minKernel)) continue;
    for (const name of r.names) rules.push({ name, action: r.action, errno: r.errnoRet, args: r.args ?? [] });
  }
  return { defaultAction: profile.defaultAction, defaultErrno: profile.defaultErrnoRet, arches, rules };
}
