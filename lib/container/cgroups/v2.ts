/**
 * cgroup v2: one tree, `<mount>/berth/<id>`, with the memory, cpu and pids controllers enabled for
 * berth's subtree. Device access is not restricted here (v2 needs an eBPF program for that; berth's
 * /dev holds only harmless nodes, but a container with CAP_MKNOD could make others).
 */
import { dirname } from "../../util/path.ts";
import type { Cgroup, CgroupStats } from "./cgroup.ts";
import { killAndRemove, readKeyed, readNumber, readPids, readValue, writeValue } from "./fs.ts";
import type { ResourceLimits } from "./limits.ts";

export class CgroupV2 implements Cgroup {
  readonly version = 2;
  readonly dir: string;

  constructor(readonly mountRoot: string, readonly path: string) {
    this.dir = `${mountRoot}/${path}`;
  }

  get procsFiles(): string[] {
    return [`${this.dir}/cgroup.procs`];
  }

  create(limits: ResourceLimits): void {
    const parent = dirname(this.dir);
    Deno.mkdirSync(parent, { recursive: true });
    const available = (readValue(`${parent}/cgroup.controllers`) ?? "").split(" ");
    const enabled = (readValue(`${parent}/cgroup.subtree_control`) ?? "").split(" ");
    const want = ["memory", "cpu", "pids"].filter((c) => available.includes(c) && !enabled.includes(c));
    if (want.length) writeValue(`${parent}/cgroup.subtree_control`, want.map((c) => `+${c}`).join(" "));
    Deno.mkdirSync(this.dir);
    if (limits.memory !== undefined) {
      writeValue(`${this.dir}/memory.max`, limits.memory);
      const swap = limits.memorySwap ?? limits.memory * 2;
      if (readValue(`${this.dir}/memory.swap.max`) !== undefined) {
        writeValue(`${this.dir}/memory.swap.max`, swap === -1 ? "max" : Math.max(0, swap - limits.memory));
      }
    }
    if (limits.cpus !== undefined) writeValue(`${this.dir}/cpu.max`, `${Math.round(limits.cpus * 100000)} 100000`);
    if (limits.cpuShares) {
      // the conversion runc and crun use from v1 shares (2..262144) to v2 weight (1..10000)
      const shares = Math.min(262144, Math.max(2, limits.cpuShares));
      writeValue(`${this.dir}/cpu.weight`, 1 + Math.floor(((shares - 2) * 9999) / 262142));
    }
    if (limits.pidsLimit !== undefined && limits.pidsLimit > 0) writeValue(`${this.dir}/pids.max`, limits.pidsLimit);
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
    };
  }

  pids(): number[] {
    return readPids(`${this.dir}/cgroup.procs`);
  }

  freeze(frozen: boolean): void {
    writeValue(`${this.dir}/cgroup.freeze`, frozen ? 1 : 0);
  }

  async destroy(): Promise<void> {
    try {
      Deno.writeTextFileSync(`${this.dir}/cgroup.kill`, "1");
    } catch { /* gone, or a kernel before 5.14: killAndRemove kills one by one */ }
    await killAndRemove(this.dir);
  }
}
