/**
 * The devices a container may use, as Docker allows them (everything else is denied), in the devices
 * cgroup's rule syntax ("TYPE MAJOR:MINOR ACCESS"): written as they are on cgroup v1, compiled to an
 * eBPF program on cgroup v2 ({@link ./device_filter.ts}).
 */
export const DEFAULT_DEVICE_RULES = [
  "c *:* m", // mknod of any node (using one is what is checked)
  "b *:* m",
  "c 1:3 rwm", // null
  "c 1:5 rwm", // zero
  "c 1:7 rwm", // full
  "c 1:8 rwm", // random
  "c 1:9 rwm", // urandom
  "c 5:0 rwm", // tty
  "c 5:1 rwm", // console
  "c 5:2 rwm", // ptmx
  "c 136:* rwm", // pts
  "c 10:200 rwm", // tun
];

export interface DeviceRule {
  /** "a": any type */
  type: "a" | "c" | "b";
  /** -1: any */
  major: number;
  minor: number;
  /** bits: 1 mknod, 2 read, 4 write (the kernel's BPF_DEVCG_ACC_*) */
  access: number;
}

/** "c 1:3 rwm" → a rule ("a" alone: everything). */
export function parseDeviceRule(s: string): DeviceRule {
  const m = s.match(/^([acb])(?: (\*|\d+):(\*|\d+)(?: ([rwm]+))?)?$/);
  if (!m) throw new Error(`bad device rule: ${s}`);
  const num = (x: string | undefined) => (x === undefined || x === "*" ? -1 : Number(x));
  const acc = m[4] ?? "rwm";
  return {
    type: m[1] as DeviceRule["type"],
    major: num(m[2]),
    minor: num(m[3]),
    access: (acc.includes("m") ? 1 : 0) | (acc.includes("r") ? 2 : 0) | (acc.includes("w") ? 4 : 0),
  };
}
