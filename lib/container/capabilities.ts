/** Linux capabilities by name, Docker's default set, and `--cap-add` / `--cap-drop` / `--privileged`. */
import { UsageError } from "../util/errors.ts";

/** Capability names in kernel order (number = index). */
export const CAP_NAMES = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
  "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
  "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
  "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
  "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
  "CHECKPOINT_RESTORE",
] as const;

/** Docker's default capabilities for a container (CapEff 00000000a80425fb for root). */
export const DEFAULT_CAPS = [
  "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "NET_BIND_SERVICE",
  "NET_RAW", "SYS_CHROOT", "MKNOD", "AUDIT_WRITE", "SETFCAP",
];

let lastCap: number | undefined;

/** The highest capability number this kernel knows. */
export function lastCapability(): number {
  if (lastCap === undefined) {
    try {
      lastCap = Number(Deno.readTextFileSync("/proc/sys/kernel/cap_last_cap").trim());
    } catch {
      lastCap = CAP_NAMES.length - 1;
    }
  }
  return lastCap;
}

function capNumber(name: string): number {
  const n = name.toUpperCase().replace(/^CAP_/, "");
  const i = CAP_NAMES.indexOf(n as typeof CAP_NAMES[number]);
  if (i < 0) throw new UsageError(`unknown capability: "${name}"`);
  return i;
}

/** The capability numbers a container keeps. */
export function capabilitySet(opts: { privileged?: boolean; add?: string[]; drop?: string[] }): Set<number> {
  const last = lastCapability();
  if (opts.privileged) return new Set(Array.from({ length: last + 1 }, (_, i) => i));
  const set = new Set(DEFAULT_CAPS.map(capNumber));
  const drop = opts.drop ?? [];
  const add = opts.add ?? [];
  if (drop.some((d) => d.toUpperCase() === "ALL")) set.clear();
  for (const d of drop) if (d.toUpperCase() !== "ALL") set.delete(capNumber(d));
  if (add.some((a) => a.toUpperCase() === "ALL")) for (let i = 0; i <= last; i++) set.add(i);
  for (const a of add) if (a.toUpperCase() !== "ALL") set.add(capNumber(a));
  return set;
}

/** The set as the hex mask /proc/PID/status shows (CapEff). */
export function capMask(set: Set<number>): string {
  let m = 0n;
  for (const c of set) m |= 1n << BigInt(c);
  return m.toString(16).padStart(16, "0");
}
