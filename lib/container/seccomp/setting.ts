/**
 * A container's seccomp setting: `--security-opt seccomp=unconfined|PROFILE.json` (read once, at create,
 * and kept in the record so a restart runs under the same rules), Docker's default otherwise, none
 * with `--privileged`; and the filter a process of the container is started with.
 */
import { BerthError } from "../../util/errors.ts";
import { CAP_NAMES } from "../capabilities.ts";
import { compileFilter } from "./compile.ts";
import { defaultProfile } from "./default_profile.ts";
import { kernelAtLeast, parseProfile, resolveProfile, type SeccompProfile } from "./profile.ts";
import { PREBUILT_DEFAULT } from "./prebuilt_default.ts";

/** Stored in the container's record: absent = Docker's default profile. */
export type SeccompSetting = "unconfined" | { file: string; profile: SeccompProfile };

/** `seccomp=VALUE` of `--security-opt` (a profile file is read and checked here: exit 125 if bad). */
export function parseSeccompOption(value: string): SeccompSetting | undefined {
  if (value === "unconfined") return "unconfined";
  if (value === "builtin" || value === "default") return undefined;
  let text: string;
  try {
    text = Deno.readTextFileSync(value);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "no such file or directory" : (e as Error).message;
    throw new BerthError(`opening seccomp profile (${value}) failed: ${why}`, 125);
  }
  return { file: value, profile: parseProfile(text, value) };
}

/** What `inspect` shows: "builtin", "unconfined" or the profile's file. */
export function seccompName(setting: SeccompSetting | undefined, privileged: boolean): string {
  if (privileged || setting === "unconfined") return "unconfined";
  return setting ? setting.file : "builtin";
}

/** The capabilities Docker's default profile has rules for. */
export function defaultProfileCaps(): string[] {
  const relevant = new Set<string>();
  for (const r of defaultProfile().syscalls ?? []) for (const c of [...r.includes?.caps ?? [], ...r.excludes?.caps ?? []]) relevant.add(c);
  return [...relevant].sort();
}

/** What decides the default profile's filter: the kernel (a rule needs 4.8) and the relevant capabilities held. */
export function defaultProfileKey(caps: string[], kernel: string, relevant: string[]): string {
  return `${kernelAtLeast(kernel, "4.8") ? "4.8" : "old"}:${relevant.filter((c) => caps.includes(c)).join(",")}`;
}

/** The compiled filter for a process with these capabilities, or undefined when unconfined. */
export function seccompFilter(
  setting: SeccompSetting | undefined,
  privileged: boolean,
  capabilities: number[],
): Uint8Array<ArrayBuffer> | undefined {
  if (privileged || setting === "unconfined") return undefined;
  const caps = capabilities.map((c) => `CAP_${CAP_NAMES[c] ?? c}`);
  const kernel = Deno.osRelease();
  // Docker's profile with Docker's capabilities: compiled at build time (compiling cold JS takes ~17 ms)
  if (!setting && defaultProfileKey(caps, kernel, PREBUILT_DEFAULT.relevantCaps) === PREBUILT_DEFAULT.key) {
    // V8's own decoder: atob and a copy loop take ~4 ms cold, this ~0.2 ms
    return (Uint8Array as unknown as { fromBase64(s: string): Uint8Array<ArrayBuffer> }).fromBase64(PREBUILT_DEFAULT.filter);
  }
  const profile = setting ? setting.profile : defaultProfile();
  return compileFilter(resolveProfile(profile, { capabilities: caps, kernel }));
}
