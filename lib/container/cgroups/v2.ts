/**
 * cgroup v2: one tree, `<mount>/berth/<id>`, with the memory, cpu, pids, io and cpuset controllers enabled for
 * berth's subtree. Device access: an eBPF program on the container's cgroup with the same allowlist as
 * v1's devices cgroup ({@link ./device_filter.ts}).
 */
import { dirname } from "../../util/path.ts";
import type { Cgroup, CgroupStats } from "./cgroup.ts";
import { killAndRemove, readKeyed, readNumber, readPids, readValue, writeValue } from "./fs.ts";
import type { ResourceLimits } from "./limits.ts";
import { BerthError } from "../../util/errors.ts";
import { DEFAULT_DEVICE_RULES, parseDeviceRule } from "./device_rules.ts";
import { deviceFilterProgram } from "./device_filter.ts";
import { attachDeviceProgram } from "../../ffi/bpf.ts";
import { warnUnapplied } from "./none.ts";

const CONTROLLERS = ["memory", "cpu", "pids", "io", "cpuset"];
const CONTROLLER_OF: Partial<Record<keyof ResourceLimits, string>> = {
  memory: "memory",
  memorySwap: "memory",
  cpus: "cpu",
  cpuShares: "cpu",
  cpusetCpus: "cpuset",
  cpusetMems: "cpuset",
  pidsLimit: "pids",
  blkioWeight: "io",
  deviceIo: "io",
};

/** io.stat's lines ("8:0 rbytes=1 wbytes=2 …"), summed over the devices. */
function ioBytes(text: string | undefined): { blockRead?: number; blockWrite?: number } {
  if (text === undefined) return {};
  let blockRead = 0, blockWrite = 0;
  for (const m of text.matchAll(/\brbytes=(\d+)\b.*?\bwbytes=(\d+)/g)) {
    blockRead += Number(m[1]);
    blockWrite += Number(m[2]);
  }
  return { blockRead, blockWrite };
}

export class CgroupV2 implements Cgroup {
  readonly version = 2;
  readonly dir: string;

  /**
   * `mountRoot` is where berth may start handing controllers down: the hierarchy's root for root, the
   * subtree delegated to an ordinary user for theirs (`delegated`: no device program, which needs
   * capabilities of the host's; the user namespace keeps device nodes closed instead).
   */
  constructor(readonly mountRoot: string, readonly path: string, readonly delegated = false) {
    this.dir = `${mountRoot}/${path}`;
  }

  get procsFiles(): string[] {
    return [`${this.dir}/cgroup.procs`];
  }

  create(limits: ResourceLimits): void {
    const parent = dirname(this.dir);
    Deno.mkdirSync(parent, { recursive: true });
    // the controllers are handed down level by level, from the hierarchy's root (where a host without
    // systemd, say, enables none) to berth's own cgroup
    let level = this.mountRoot;
    for (const part of ["", ...parent.slice(this.mountRoot.length + 1).split("/")]) {
      if (part) level = `${level}/${part}`;
      const available = (readValue(`${level}/cgroup.controllers`) ?? "").split(" ");
      const enabled = (readValue(`${level}/cgroup.subtree_control`) ?? "").split(" ");
      const want = CONTROLLERS.filter((c) => available.includes(c) && !enabled.includes(c));
      if (want.length) writeValue(`${level}/cgroup.subtree_control`, want.map((c) => `+${c}`).join(" "));
    }
    Deno.mkdirSync(this.dir);
    try {
      this.#limit(this.delegated ? this.#available(limits) : limits);
    } catch (e) {
      try {
        Deno.removeSync(this.dir);
      } catch { /* the error that matters is e */ }
      throw e;
    }
  }

  /** The limits whose controllers the delegated subtree has; a warning names the others. */
  #available(limits: ResourceLimits): ResourceLimits {
    const have = readValue(`${this.dir}/cgroup.controllers`)?.split(" ") ?? [];
    const kept: ResourceLimits = { allDevices: true };
    const dropped: Partial<ResourceLimits> = {};
    const missing = new Set<string>();
    for (const [key, value] of Object.entries(limits) as Array<[keyof ResourceLimits, unknown]>) {
      const controller = CONTROLLER_OF[key];
      if (!controller) continue; // device rules: the user namespace's
      if (have.includes(controller)) Object.assign(kept, { [key]: value });
      else {
        Object.assign(dropped, { [key]: value });
        missing.add(controller);
      }
    }
    warnUnapplied(dropped, `rootless: the ${[...missing].join(", ")} controller${missing.size > 1 ? "s are" : " is"} not delegated to this user (${this.mountRoot})`);
    return kept;
  }

  #limit(limits: ResourceLimits): void {
    if (limits.deviceRules) attachDeviceProgram(this.dir, deviceFilterProgram(limits.deviceRules));
    else if (!limits.allDevices) {
      const rules = [...DEFAULT_DEVICE_RULES, ...(limits.devices ?? []).map(parseDeviceRule)];
      attachDeviceProgram(this.dir, deviceFilterProgram(rules));
    }
    this.update(limits);
    for (const d of limits.deviceIo ?? []) {
      const keys: Array<[string, number | undefined]> = [["rbps", d.readBps], ["wbps", d.writeBps], ["riops", d.readIops], ["wiops", d.writeIops]];
      writeValue(`${this.dir}/io.max`, `${d.major}:${d.minor} ${keys.filter(([, n]) => n !== undefined).map(([k, n]) => `${k}=${n}`).join(" ")}`);
    }
  }

  /** The limits given (a running container's, `update`); 0 CPUs or a pids limit ≤ 0: none. */
  update(limits: ResourceLimits): void {
    if (limits.memory !== undefined) {
      writeValue(`${this.dir}/memory.max`, limits.memory);
      const swap = limits.memorySwap ?? limits.memory * 2;
      if (readValue(`${this.dir}/memory.swap.max`) !== undefined) {
        writeValue(`${this.dir}/memory.swap.max`, swap === -1 ? "max" : Math.max(0, swap - limits.memory));
      }
    }
    if (limits.cpus !== undefined) writeValue(`${this.dir}/cpu.max`, `${limits.cpus > 0 ? Math.round(limits.cpus * 100000) : "max"} 100000`);
    if (limits.cpuShares) {
      // the conversion runc and crun use from v1 shares (2..262144) to v2 weight (1..10000)
      const shares = Math.min(262144, Math.max(2, limits.cpuShares));
      writeValue(`${this.dir}/cpu.weight`, 1 + Math.floor(((shares - 2) * 9999) / 262142));
    }
    if (limits.cpusetCpus) writeValue(`${this.dir}/cpuset.cpus`, limits.cpusetCpus);
    if (limits.cpusetMems) writeValue(`${this.dir}/cpuset.mems`, limits.cpusetMems);
    if (limits.pidsLimit !== undefined) writeValue(`${this.dir}/pids.max`, limits.pidsLimit > 0 ? limits.pidsLimit : "max");
    if (limits.blkioWeight) {
      // BFQ's weight takes v1's range; the io controller's own is 1..10000 (runc's conversion)
      if (readValue(`${this.dir}/io.bfq.weight`) !== undefined) writeValue(`${this.dir}/io.bfq.weight`, limits.blkioWeight);
      else if (readValue(`${this.dir}/io.weight`) !== undefined) writeValue(`${this.dir}/io.weight`, `default ${1 + Math.floor(((limits.blkioWeight - 10) * 9999) / 990)}`);
      else throw new BerthError("--blkio-weight: this kernel's io controller has no weight (io.weight, io.bfq.weight)");
    }
  }

  oomKilled(): boolean {
    return (readKeyed(`${this.dir}/memory.events`).get("oom_kill") ?? 0) > 0;
  }

  stats(): CgroupStats {
    return {
      memoryBytes: readNumber(`${this.dir}/memory.current`),
      memoryLimit: readNumber(`${this.dir}/memory.max`),
      cpuNanos: (readKeyed(`${this.dir}/cpu.stat`).get("usage_usec") ?? NaN) * 1000 || undefined,
      pids: readNumber(`${this.dir}/pids.current`),
      oomKills: readKeyed(`${this.dir}/memory.events`).get("oom_kill"),
      ...ioBytes(readValue(`${this.dir}/io.stat`)),
    };
  }

  pids(): number[] {
    return readPids(`${this.dir}/cgroup.procs`);
  }

  freeze(frozen: boolean): void {
    writeValue(`${this.dir}/cgroup.freeze`, frozen ? 1 : 0);
  }

  isFrozen(): boolean {
    return readValue(`${this.dir}/cgroup.freeze`)?.trim() === "1";
  }

  async destroy(): Promise<void> {
    try {
      Deno.writeTextFileSync(`${this.dir}/cgroup.kill`, "1");
    } catch { /* gone, or a kernel before 5.14: killAndRemove kills one by one */ }
    await killAndRemove(this.dir);
  }
}
