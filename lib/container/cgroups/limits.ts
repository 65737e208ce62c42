/** Resource limits as `berth run` takes them (Docker's flags), parsed and checked. */
import type { DeviceRule } from "./device_rules.ts";
import { UsageError } from "../../util/errors.ts";
import { devNumbers } from "../../ffi/sys.ts";

export interface ResourceLimits {
  /** bytes; --memory */
  memory?: number;
  /** bytes of memory + swap; -1 = unlimited; --memory-swap */
  memorySwap?: number;
  /** CPUs as a fraction, e.g. 1.5; --cpus */
  cpus?: number;
  /** relative weight, Docker's default 1024; --cpu-shares */
  cpuShares?: number;
  /** most tasks; --pids-limit (0 or -1 = unlimited) */
  pidsLimit?: number;
  /** device cgroup rules beyond the default set (`--device`): "c 1:3 rw" */
  devices?: string[];
  /** every device (`--privileged`) */
  allDevices?: boolean;
  /**
   * an OCI config's device rules, in order (the last that matches decides; nothing matches: denied), instead
   * of the default set and `devices`
   */
  deviceRules?: DeviceRule[];
  /** CPUs the container may run on, e.g. "0-2,4"; --cpuset-cpus */
  cpusetCpus?: string;
  /** memory nodes it may use; --cpuset-mems */
  cpusetMems?: string;
  /** relative block I/O weight, 10–1000; --blkio-weight */
  blkioWeight?: number;
  /** per block device rates; --device-read-bps, --device-write-bps, --device-read-iops, --device-write-iops */
  deviceIo?: DeviceIoLimit[];
}

export interface DeviceIoLimit {
  path: string;
  major: number;
  minor: number;
  readBps?: number;
  writeBps?: number;
  readIops?: number;
  writeIops?: number;
}

const IO_FLAGS = [
  ["device-read-bps", "readBps"],
  ["device-write-bps", "writeBps"],
  ["device-read-iops", "readIops"],
  ["device-write-iops", "writeIops"],
] as const;

/** `--device-read-bps PATH:RATE` and friends, one entry per device (the path must be a block device here). */
function parseDeviceIo(v: Record<string, unknown>): DeviceIoLimit[] {
  const byPath = new Map<string, DeviceIoLimit>();
  for (const [flag, key] of IO_FLAGS) {
    for (const item of (v[flag] as string[] | undefined) ?? []) {
      const i = item.lastIndexOf(":");
      const path = item.slice(0, i), rate = item.slice(i + 1);
      if (i <= 0 || !path.startsWith("/")) throw new UsageError(`invalid argument "${item}" for "--${flag}" flag: bad format for ${flag.endsWith("bps") ? "rate" : "iops"}: expected PATH:RATE`);
      const n = flag.endsWith("bps") ? parseBytes(`--${flag}`, rate) : Number(rate);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`invalid argument "${item}" for "--${flag}" flag: invalid rate for device: ${rate}. The correct format is <device-path>:<number>. Number must be a positive integer`);
      let entry = byPath.get(path);
      if (!entry) {
        let st: Deno.FileInfo;
        try {
          st = Deno.statSync(path);
        } catch {
          throw new UsageError(`--${flag}: no such device: ${path}`);
        }
        if (!st.isBlockDevice || st.rdev === null) throw new UsageError(`--${flag}: ${path} is not a block device`);
        entry = { path, ...devNumbers(st.rdev) };
        byPath.set(path, entry);
      }
      entry[key] = n;
    }
  }
  return [...byPath.values()];
}

/** A list like "0-2,4" as its numbers (undefined when malformed). */
function cpuList(s: string): number[] | undefined {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(s)) return undefined;
  const out: number[] = [];
  for (const part of s.split(",")) {
    const [a, b = a] = part.split("-").map(Number);
    if (b < a || b - a > 4096) return undefined;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/** `--cpuset-cpus` / `--cpuset-mems`, checked against what this host has online (Docker's messages). */
export function parseCpuset(flag: "cpus" | "mems", s: string): string {
  const want = cpuList(s);
  if (!want) throw new UsageError(`invalid argument "${s}" for "--cpuset-${flag}" flag: invalid format`);
  let online: string;
  try {
    online = Deno.readTextFileSync(flag === "cpus" ? "/sys/devices/system/cpu/online" : "/sys/devices/system/node/online").trim();
  } catch {
    online = flag === "cpus" ? `0-${navigator.hardwareConcurrency - 1}` : "0";
  }
  const have = new Set(cpuList(online) ?? []);
  if (want.some((n) => !have.has(n))) {
    throw new UsageError(`Requested ${flag === "cpus" ? "CPUs" : "memory nodes"} are not available - requested ${s}, available: ${online}`);
  }
  return s;
}

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Docker's memory sizes: `512m`, `1g`, `1048576`, `100k`. */
export function parseBytes(flag: string, s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(s.trim());
  if (!m) throw new UsageError(`invalid argument "${s}" for "${flag}" flag: invalid size: '${s}'`);
  return Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

export function parseLimits(v: Record<string, unknown>): ResourceLimits {
  const l: ResourceLimits = {};
  if (v.memory !== undefined) {
    l.memory = parseBytes("--memory", v.memory as string);
    if (l.memory < 6 * 1024 * 1024) throw new UsageError("Minimum memory limit allowed is 6MB");
  }
  if (v["memory-swap"] !== undefined) {
    const s = v["memory-swap"] as string;
    l.memorySwap = s === "-1" ? -1 : parseBytes("--memory-swap", s);
    if (l.memory === undefined) {
      throw new UsageError("You should always set the Memory limit when using Memoryswap limit, see usage.");
    }
    if (l.memorySwap !== -1 && l.memorySwap < l.memory) {
      throw new UsageError("Minimum memoryswap limit should be larger than memory limit, see usage.");
    }
  }
  if (v.cpus !== undefined) {
    const n = Number(v.cpus);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`invalid argument "${v.cpus}" for "--cpus" flag`);
    const max = navigator.hardwareConcurrency;
    if (n > max) {
      throw new UsageError(`range of CPUs is from 0.01 to ${max}.00, as there are only ${max} CPUs available`);
    }
    l.cpus = n;
  }
  if (v["cpu-shares"] !== undefined) {
    const n = Number(v["cpu-shares"]);
    if (!Number.isInteger(n) || n < 0) {
      throw new UsageError(`invalid argument "${v["cpu-shares"]}" for "-c, --cpu-shares" flag`);
    }
    l.cpuShares = n;
  }
  if (v["pids-limit"] !== undefined) {
    const n = Number(v["pids-limit"]);
    if (!Number.isInteger(n)) throw new UsageError(`invalid argument "${v["pids-limit"]}" for "--pids-limit" flag`);
    l.pidsLimit = n;
  }
  if (v["blkio-weight"] !== undefined) {
    const n = Number(v["blkio-weight"]);
    if (!Number.isInteger(n) || (n !== 0 && (n < 10 || n > 1000))) throw new UsageError("Range of blkio weight is from 10 to 1000");
    if (n) l.blkioWeight = n;
  }
  if (v["cpuset-cpus"] !== undefined && v["cpuset-cpus"] !== "") l.cpusetCpus = parseCpuset("cpus", v["cpuset-cpus"] as string);
  if (v["cpuset-mems"] !== undefined && v["cpuset-mems"] !== "") l.cpusetMems = parseCpuset("mems", v["cpuset-mems"] as string);
  const io = parseDeviceIo(v);
  if (io.length) l.deviceIo = io;
  return l;
}
