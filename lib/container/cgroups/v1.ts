/** cgroup v1: one directory per controller, `<mount>/<controller>/berth/<id>`. */
import type { Cgroup, CgroupStats } from "./cgroup.ts";
import { isSymlink, statLite } from "../../ffi/sys.ts";
import { killAndRemove, readKeyed, readNumber, readPids, readValue, writeEach, writeValue } from "./fs.ts";
import type { ResourceLimits } from "./limits.ts";

const CONTROLLERS = ["memory", "cpu", "cpuacct", "pids", "freezer", "devices"] as const;

/** Devices a container may use, as Docker allows them (everything else is denied). */
const DEVICE_RULES = [
  "c *:* m",
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
    return [...this.#dirs.values()].map((d) => d.slice(0, -this.path.length - 1).split("/").pop()!);
  }

  get procsFiles(): string[] {
    return [...this.#dirs.values()].map((d) => `${d}/cgroup.procs`);
  }

  #dir(c: string): string | undefined {
    return this.#dirs.get(c);
  }

  create(limits: ResourceLimits): void {
    for (const d of this.#dirs.values()) Deno.mkdirSync(d, { recursive: true });
    const mem = this.#dir("memory");
    if (mem && limits.memory !== undefined) {
      writeValue(`${mem}/memory.limit_in_bytes`, limits.memory);
      // Docker's default swap allowance is as much again as the memory limit
      const swap = limits.memorySwap ?? limits.memory * 2;
      if (readValue(`${mem}/memory.memsw.limit_in_bytes`) !== undefined) {
        writeValue(`${mem}/memory.memsw.limit_in_bytes`, swap === -1 ? -1 : swap);
      }
    }
    const cpu = this.#dir("cpu");
    if (cpu && limits.cpus !== undefined) {
      writeValue(`${cpu}/cpu.cfs_period_us`, 100000);
      writeValue(`${cpu}/cpu.cfs_quota_us`, Math.round(limits.cpus * 100000));
    }
    if (cpu && limits.cpuShares) writeValue(`${cpu}/cpu.shares`, Math.max(2, limits.cpuShares));
    const pids = this.#dir("pids");
    if (pids && limits.pidsLimit !== undefined && limits.pidsLimit > 0) writeValue(`${pids}/pids.max`, limits.pidsLimit);
    const dev = this.#dir("devices");
    if (dev && !limits.allDevices) {
      writeValue(`${dev}/devices.deny`, "a");
      writeEach(`${dev}/devices.allow`, [...DEVICE_RULES, ...(limits.devices ?? [])]);
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
    };
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

  async destroy(): Promise<void> {
    const f = this.#dir("freezer");
    if (f && readValue(`${f}/freezer.state`) === "FROZEN") writeValue(`${f}/freezer.state`, "THAWED");
    for (const d of this.#dirs.values()) await killAndRemove(d);
  }
}
