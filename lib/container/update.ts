/**
 * `update`: new resource limits or restart policy for a container; a running one gets the limits in its
 * cgroup at once, and every later start keeps them (they are written into its record).
 *
 * @example
 * ```ts
 * await updateContainer("/var/lib/berth", "web", { limits: { memory: 64 << 20, pidsLimit: 100 } });
 * ```
 */
import { BerthError, UsageError } from "../util/errors.ts";
import { containerCgroup } from "./cgroups/cgroup.ts";
import type { ResourceLimits } from "./cgroups/limits.ts";
import { logEvent } from "./events_log.ts";
import { getContainer } from "./lifecycle.ts";
import type { RestartPolicy } from "./restart_policy.ts";
import { type ContainerRecord, lockContainerStart, readRecord, updateRecord } from "./state.ts";

export interface ContainerUpdate {
  /** only the limits to change; cpus 0 and pidsLimit ≤ 0 remove that limit */
  limits?: Pick<ResourceLimits, "memory" | "memorySwap" | "cpus" | "cpuShares" | "pidsLimit" | "blkioWeight" | "cpusetCpus" | "cpusetMems">;
  restartPolicy?: RestartPolicy;
}

/** The limits after the update, checked as Docker checks them. */
export function mergedLimits(old: ResourceLimits, change: NonNullable<ContainerUpdate["limits"]>): ResourceLimits {
  const next: ResourceLimits = { ...old, ...change };
  if (change.memory !== undefined && change.memory < 6 * 1024 * 1024) throw new UsageError("Minimum memory limit allowed is 6MB");
  if (change.memorySwap !== undefined && next.memory === undefined) {
    throw new UsageError("You should always set the Memory limit when using Memoryswap limit, see usage.");
  }
  // a new memory limit above an explicit swap limit kept from before: the swap must change with it
  if (change.memory !== undefined && change.memorySwap === undefined && old.memorySwap !== undefined && old.memorySwap !== -1 && change.memory > old.memorySwap) {
    throw new UsageError("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
  }
  if (next.memorySwap !== undefined && next.memorySwap !== -1 && next.memory !== undefined && next.memorySwap < next.memory) {
    throw new UsageError("Minimum memoryswap limit should be larger than memory limit, see usage.");
  }
  if (change.cpus !== undefined && (!Number.isFinite(change.cpus) || change.cpus < 0 || change.cpus > navigator.hardwareConcurrency)) {
    throw new UsageError(`range of CPUs is from 0.01 to ${navigator.hardwareConcurrency}.00, as there are only ${navigator.hardwareConcurrency} CPUs available`);
  }
  if (change.blkioWeight !== undefined && change.blkioWeight !== 0 && (change.blkioWeight < 10 || change.blkioWeight > 1000)) {
    throw new UsageError("Range of blkio weight is from 10 to 1000");
  }
  if (next.cpus === 0) delete next.cpus;
  if (next.pidsLimit !== undefined && next.pidsLimit <= 0) next.pidsLimit = -1;
  if (!next.blkioWeight) delete next.blkioWeight;
  return next;
}

/** Applies `upd` to container `ref`; returns its record after the change. */
export async function updateContainer(root: string, ref: string, upd: ContainerUpdate): Promise<ContainerRecord> {
  const found = await getContainer(root, ref);
  // under the start lock: a start in progress creates its cgroup from the record before or after, never between
  const lock = await lockContainerStart(root, found.spec.id);
  try {
    const rec = readRecord(root, found.spec.id) ?? found;
    if (upd.restartPolicy && upd.restartPolicy.name !== "no" && rec.spec.autoRemove) {
      throw new UsageError("Restart policy cannot be updated because AutoRemove is enabled for the container");
    }
    const change = upd.limits ?? {};
    const limits = mergedLimits(rec.spec.limits, change);
    if (rec.state.status === "running") {
      // memory and swap go together (the swap allowance is computed from the memory limit)
      const write: ResourceLimits = { ...change };
      if (change.memory !== undefined || change.memorySwap !== undefined) {
        write.memory = limits.memory;
        write.memorySwap = limits.memorySwap;
      }
      if (write.memory === undefined) delete write.memorySwap;
      try {
        containerCgroup(rec.spec.id).update(write);
      } catch (err) {
        throw new BerthError(`Cannot update container ${rec.spec.id}: ${err instanceof Error ? err.message : err}`, 125);
      }
    }
    let after: ContainerRecord | undefined;
    updateRecord(root, rec.spec.id, (now) => {
      after = { spec: { ...now.spec, limits, restartPolicy: upd.restartPolicy ?? now.spec.restartPolicy }, state: now.state };
      return after;
    });
    logEvent(root, rec.spec, "update");
    return after ?? rec;
  } finally {
    lock?.close();
  }
}
