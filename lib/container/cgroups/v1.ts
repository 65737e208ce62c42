/** cgroup v1: one directory per controller, `<mount>/<controller>/berth/<id>`. */
import type { Cgroup, CgroupStats } from "./cgroup.ts";
import { isSymlink, statLite } from "../../ffi/sys.ts";
import { killAndRemove, readKeyed, readNumber, readPids, readValue, writeEach, writeValue } from "./fs.ts";
import type { ResourceLimits } from "./limits.ts";
import { BerthError } from "../../util/errors.ts";
import { DEFAULT_DEVICE_RULES, deviceRuleText } from "./device_rules.ts";

const CONTROLLERS = ["memory", "cpu", "cpuacct", "pids", "freezer", "devices", "blkio", "cpuset"] as const;
/**
 * made only for a container that has block I/O or cpuset limits: each hierarchy joined costs a start ~4 ms
 * here (so `update` cannot add a cpuset to a container started without one: it says so)
 */
const OPTIONAL = new Set<string>(["blkio", "cpuset"]);

/**
 * A v1 cpuset cgroup starts with no CPUs and no memory nodes, and no task may join it so: each new level
 * gets its parent's (the container's own are written after, by `update`).
 */
function makeCpusetDir(dir: string): void {
  const levels: string[] = [];
  for (let d = dir; !statLite(d); d = d.slice(0, d.lastIndexOf("/"))) levels.unshift(d);
  for (const d of levels) {
    try {
      Deno.mkdirSync(d);
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    const parent = d.slice(0, d.lastIndexOf("/"));
    for (const f of ["cpuset.cpus", "cpuset.mems"]) {
      if (!readValue(`${d}/${f}`)?.trim()) writeValue(`${d}/${f}`, readValue(`${parent}/${f}`)?.trim() ?? "");
    }
  }
}

export class CgroupV1 implements Cgroup {
  readonly version = 1;
  readonly #dirs: Map<string, string>;

  constructor(readonly mountRoot: string, readonly path: string) {
    // On many distributions cpu and cpuacct are one hierarchy reached by two names: keep one.
    const seen = new Set<string>();
    this.#dirs = new Map();
    for (const c of CONTROLLERS) {
      let real = `${mountRoot}/${c}`;
      const st = statLite(real, false);
      if (!st) continue; // controller not mounted
      // a link like cpu -> cpu,cpuacct (lstat + readlink: realpath costs Deno ~1 ms a call)
      if (isSymlink(st)) real = `${mountRoot}/${Deno.readLinkSync(real).replace(/^.*\//, "")}`;
      if (seen.has(real)) continue;
      seen.add(real);
      this.#dirs.set(c, `${real}/${path}`);
    }
  }

  /** the hierarchies' names as mounted (e.g. "memory", "cpu,cpuacct"): also their mount options */
  get hierarchies(): string[] {
    return this.#inUse().map((d) => d.slice(0, -this.path.length - 1).split("/").pop()!);
  }

  get procsFiles(): string[] {
    return this.#inUse().map((d) => `${d}/cgroup.procs`);
  }

  /** the directories of this container's cgroup: an optional controller's only when it was made */
  #inUse(): string[] {
    return [...this.#dirs].filter(([c, d]) => !OPTIONAL.has(c) || statLite(d)).map(([, d]) => d);
  }

  #dir(c: string): string | undefined {
    return this.#dirs.get(c);
  }

  create(limits: ResourceLimits): void {
    const io = !!(limits.blkioWeight || limits.deviceIo);
    const cpuset = !!(limits.cpusetCpus || limits.cpusetMems);
    for (const [c, d] of this.#dirs) {
      if (OPTIONAL.has(c) && !(c === "blkio" ? io : cpuset)) continue;
      if (c === "cpuset") makeCpusetDir(d);
      else Deno.mkdirSync(d, { recursive: true });
    }
    this.update(limits);
    const blkio = this.#dir("blkio");
    if (limits.deviceIo) {
      if (!blkio) throw new BerthError("block I/O limits: no blkio cgroup hierarchy on this host");
      for (const d of limits.deviceIo ?? []) {
        const files: Array<[string, number | undefined]> = [["read_bps_device", d.readBps], ["write_bps_device", d.writeBps], ["read_iops_device", d.readIops], ["write_iops_device", d.writeIops]];
        for (const [f, n] of files) if (n !== undefined) writeValue(`${blkio}/blkio.throttle.${f}`, `${d.major}:${d.minor} ${n}`);
      }
    }
    const dev = this.#dir("devices");
    if (dev && limits.deviceRules) {
      // the kernel's list applied in order: nothing, then each allow and deny as it comes
      writeValue(`${dev}/devices.deny`, "a");
      for (const r of limits.deviceRules) writeValue(`${dev}/devices.${r.allow === false ? "deny" : "allow"}`, deviceRuleText(r));
    } else if (dev && !limits.allDevices) {
      writeValue(`${dev}/devices.deny`, "a");
      writeEach(`${dev}/devices.allow`, [...DEFAULT_DEVICE_RULES.map(deviceRuleText), ...(limits.devices ?? [])]);
    }
  }

  /** The limits given (a running container's, `update`); 0 CPUs or a pids limit ≤ 0: none. */
  update(limits: ResourceLimits): void {
    const mem = this.#dir("memory");
    if (mem && limits.memory !== undefined) {
      // Docker's default swap allowance is as much again as the memory limit
      const swap = limits.memorySwap ?? limits.memory * 2;
      const memsw = `${mem}/memory.memsw.limit_in_bytes`;
      const hasSwap = readValue(memsw) !== undefined;
      // memory.limit ≤ memsw.limit at every moment: raising writes memsw first, lowering the limit first
      const current = hasSwap ? Number(readValue(memsw)) : Infinity;
      if (hasSwap && (swap === -1 || swap > current)) writeValue(memsw, swap);
      writeValue(`${mem}/memory.limit_in_bytes`, limits.memory);
      if (hasSwap && swap !== -1 && swap <= current) writeValue(memsw, swap);
    }
    const cpu = this.#dir("cpu");
    if (cpu && limits.cpus !== undefined) {
      writeValue(`${cpu}/cpu.cfs_period_us`, 100000);
      writeValue(`${cpu}/cpu.cfs_quota_us`, limits.cpus > 0 ? Math.round(limits.cpus * 100000) : -1);
    }
    if (cpu && limits.cpuShares) writeValue(`${cpu}/cpu.shares`, Math.max(2, limits.cpuShares));
    if (limits.cpusetCpus || limits.cpusetMems) {
      const set = this.#dir("cpuset");
      if (!set || !statLite(set)) throw new BerthError("--cpuset-cpus/--cpuset-mems: this container was started without a cpuset cgroup (cgroup v1: set them at create, or restart it)");
      if (limits.cpusetCpus) writeValue(`${set}/cpuset.cpus`, limits.cpusetCpus);
      if (limits.cpusetMems) writeValue(`${set}/cpuset.mems`, limits.cpusetMems);
    }
    const pids = this.#dir("pids");
    if (pids && limits.pidsLimit !== undefined) writeValue(`${pids}/pids.max`, limits.pidsLimit > 0 ? limits.pidsLimit : "max");
    if (limits.blkioWeight) {
      const blkio = this.#dir("blkio");
      const file = [`${blkio}/blkio.weight`, `${blkio}/blkio.bfq.weight`].find((f) => blkio && statLite(blkio) && readValue(f) !== undefined);
      if (!file) throw new BerthError("--blkio-weight: no blkio weight for this container (blkio.weight, blkio.bfq.weight)");
      writeValue(file, limits.blkioWeight);
    }
  }

  oomKilled(): boolean {
    const mem = this.#dir("memory");
    return !!mem && (readKeyed(`${mem}/memory.oom_control`).get("oom_kill") ?? 0) > 0;
  }

  stats(): CgroupStats {
    const mem = this.#dir("memory");
    const cpu = this.#dir("cpuacct") ?? this.#dir("cpu");
    const pids = this.#dir("pids");
    const limit = mem ? readNumber(`${mem}/memory.limit_in_bytes`) : undefined;
    return {
      memoryBytes: mem ? readNumber(`${mem}/memory.usage_in_bytes`) : undefined,
      memoryLimit: limit !== undefined && limit < 2 ** 62 ? limit : undefined,
      cpuNanos: cpu ? readNumber(`${cpu}/cpuacct.usage`) : undefined,
      pids: pids ? readNumber(`${pids}/pids.current`) : undefined,
      oomKills: mem ? readKeyed(`${mem}/memory.oom_control`).get("oom_kill") : undefined,
      ...this.#blockBytes(),
    };
  }

  /** blkio.throttle.io_service_bytes ("8:0 Read 123" lines), when the container has a blkio cgroup. */
  #blockBytes(): { blockRead?: number; blockWrite?: number } {
    const dir = this.#dir("blkio");
    const text = dir && statLite(dir) ? readValue(`${dir}/blkio.throttle.io_service_bytes`) : undefined;
    if (text === undefined) return {};
    let blockRead = 0, blockWrite = 0;
    for (const m of text.matchAll(/^\S+ (Read|Write) (\d+)$/gm)) {
      if (m[1] === "Read") blockRead += Number(m[2]);
      else blockWrite += Number(m[2]);
    }
    return { blockRead, blockWrite };
  }

  pids(): number[] {
    const first = this.#dirs.values().next().value;
    return first ? readPids(`${first}/cgroup.procs`) : [];
  }

  freeze(frozen: boolean): void {
    const f = this.#dir("freezer");
    if (!f) throw new Error("the freezer cgroup controller is not mounted");
    writeValue(`${f}/freezer.state`, frozen ? "FROZEN" : "THAWED");
  }

  isFrozen(): boolean {
    const f = this.#dir("freezer");
    return !!f && readValue(`${f}/freezer.state`)?.trim() === "FROZEN";
  }

  async destroy(): Promise<void> {
    const f = this.#dir("freezer");
    if (f && readValue(`${f}/freezer.state`) === "FROZEN") writeValue(`${f}/freezer.state`, "THAWED");
    for (const d of this.#inUse()) await killAndRemove(d);
  }
}
