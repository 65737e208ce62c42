/**
 * The cgroup v2 subtree delegated to an ordinary user (systemd's `Delegate=yes` on `user@UID.service`, or an
 * administrator's `chown`), where berth puts the user's containers as `DELEGATED/berth/<id>` so that their
 * limits work, as Podman's cgroupfs manager does.
 *
 * The subtree is found from the cgroup of berth's user namespace holder (pid 1 of the namespaces every
 * command joins), not from the command's own: a user's commands may come from different login sessions, and
 * every one of them must find a container's cgroup at the same place. Walking up from there, the highest
 * directory of an unbroken chain the user owns (the directory, its `cgroup.procs` and `cgroup.subtree_control`)
 * is the delegated root. Moving a container's first process there is allowed because that root is a common
 * ancestor the user may write to (the kernel's delegation containment rule).
 *
 * @example
 * ```ts
 * import { delegatedCgroup } from "./cgroup.ts";
 * const d = delegatedCgroup();
 * if ("dir" in d) console.log(`containers under ${d.dir}/berth`); else console.log(d.why);
 * ```
 */
import { statLite } from "../ffi/sys.ts";
import { readValue } from "../container/cgroups/fs.ts";

export type Delegation = { dir: string } | { why: string };

const NOT_DELEGATED = "rootless: no cgroup is delegated to this user (cgroup v2 with systemd's Delegate=yes is needed)";
let cached: Delegation | undefined;

/** The user's delegated subtree, or why there is none (a message for a warning). */
export function delegatedCgroup(mountRoot = "/sys/fs/cgroup", procCgroup = "/proc/1/cgroup"): Delegation {
  if (cached && mountRoot === "/sys/fs/cgroup") return cached;
  const found = find(mountRoot, procCgroup);
  if (mountRoot === "/sys/fs/cgroup") cached = found;
  return found;
}

function find(mountRoot: string, procCgroup: string): Delegation {
  if (!statLite(`${mountRoot}/cgroup.controllers`)) return { why: `${NOT_DELEGATED}; this host has cgroup v1` };
  let path: string | undefined;
  try {
    path = /^0::(\/.*)$/m.exec(Deno.readTextFileSync(procCgroup))?.[1];
  } catch { /* no holder: nothing to start from */ }
  if (!path) return { why: NOT_DELEGATED };
  const me = Deno.uid();
  const owned = (f: string) => statLite(f)?.uid === me;
  let top: string | undefined;
  for (let dir = path; dir !== "/" && dir !== ""; dir = dir.slice(0, dir.lastIndexOf("/")) || "/") {
    const abs = `${mountRoot}${dir}`;
    if (!owned(abs) || !owned(`${abs}/cgroup.procs`) || !owned(`${abs}/cgroup.subtree_control`)) break;
    top = abs;
  }
  if (!top) return { why: `${NOT_DELEGATED}; berth's namespaces were made in ${path}, which is not the user's` };
  // cgroup v2 gives controllers only to the children of a cgroup without processes of its own
  if (readValue(`${top}/cgroup.procs`) && !readValue(`${top}/cgroup.subtree_control`)) {
    return { why: `rootless: the delegated cgroup ${top.slice(mountRoot.length)} holds processes of its own, so it cannot hand controllers down: start berth from a child cgroup of it` };
  }
  return { dir: top };
}
