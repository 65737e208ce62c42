/**
 * The devices a container may use, as Docker allows them (everything else is denied): written to the
 * devices cgroup on v1 ("TYPE MAJOR:MINOR ACCESS"), compiled to an eBPF program on v2
 * ({@link ./device_filter.ts}).
 */
export interface DeviceRule {
  /** "a": any type */
  type: "a" | "c" | "b";
  /** -1: any */
  major: number;
  minor: number;
  /** bits: 1 mknod, 2 read, 4 write (the kernel's BPF_DEVCG_ACC_*) */
  access: number;
  /** false: a deny rule (an OCI config's; berth's own rules only allow) */
  allow?: boolean;
}

const M = 1, RWM = 7;
/** Docker's default set (as data: parsing it at every start cost ~1 ms of cold JS). */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { type: "c", major: -1, minor: -1, access: M }, // mknod of any node (using one is what is checked)
  { type: "b", major: -1, minor: -1, access: M },
  { type: "c", major: 1, minor: 3, access: RWM }, // null
  { type: "c", major: 1, minor: 5, access: RWM }, // zero
  { type: "c", major: 1, minor: 7, access: RWM }, // full
  { type: "c", major: 1, minor: 8, access: RWM }, // random
  { type: "c", major: 1, minor: 9, access: RWM }, // urandom
  { type: "c", major: 5, minor: 0, access: RWM }, // tty
  { type: "c", major: 5, minor: 1, access: RWM }, // console
  { type: "c", major: 5, minor: 2, access: RWM }, // ptmx
  { type: "c", major: 136, minor: -1, access: RWM }, // pts
  { type: "c", major: 10, minor: 200, access: RWM }, // tun
];

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

/** The rule as the v1 devices cgroup takes it. */
export function deviceRuleText(r: DeviceRule): string {
  if (r.type === "a") return "a";
  const n = (x: number) => (x < 0 ? "*" : String(x));
  const acc = `${r.access & 2 ? "r" : ""}${r.access & 4 ? "w" : ""}${r.access & 1 ? "m" : ""}`;
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${acc}`;
}
