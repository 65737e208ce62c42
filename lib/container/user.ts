/**
 * `-u` / the image's User, resolved in the container's own /etc/passwd and /etc/group as Docker does:
 * `name`, `uid`, `name:group`, `uid:gid`; supplementary groups from /etc/group; HOME from passwd.
 */
import { BerthError } from "../util/errors.ts";
import { readRegularInRoot, withRootFd } from "./path_in_root.ts";

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/**
 * The lines of /etc/passwd or /etc/group in the container, split at `:`. The container may have made the
 * file a FIFO, a device or a link out: only a regular file inside its root is read (see readRegularInRoot).
 */
function readLines(rootfs: string, path: string): string[][] {
  let data: Uint8Array | null;
  try {
    data = withRootFd(rootfs, (fd) => readRegularInRoot(fd, path, 4 << 20));
  } catch (err) {
    if (err instanceof BerthError) throw err;
    return [];
  }
  if (!data) return [];
  return new TextDecoder().decode(data).split("\n")
    .filter((l) => l && !l.startsWith("#")).map((l) => l.split(":"));
}

function passwd(rootfs: string): PasswdEntry[] {
  return readLines(rootfs, "/etc/passwd").filter((f) => f.length >= 6)
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] }));
}

function groups(rootfs: string): GroupEntry[] {
  return readLines(rootfs, "/etc/group").filter((f) => f.length >= 3)
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) }));
}

const isId = (s: string) => /^\d+$/.test(s);

/** Resolves `spec` (empty = root) against the container's files. */
export function resolveUser(rootfs: string, spec: string | undefined, groupAdd: string[] = []): ProcessUser {
  const [userPart, groupPart] = (spec || "0").split(":", 2);
  // a bigger number would wrap around to root's ID in the kernel's 32-bit view
  for (const id of [userPart, groupPart ?? "", ...groupAdd]) {
    if (isId(id) && Number(id) > 2147483647) throw new BerthError(`user or group ID ${id} is out of range (IDs are 0 to 2147483647)`);
  }
  const users = passwd(rootfs);
  let entry = users.find((u) => (isId(userPart) ? u.uid === Number(userPart) : u.name === userPart));
  if (!entry) {
    if (!isId(userPart)) throw new BerthError(`unable to find user ${userPart}: no matching entries in passwd file`);
    entry = undefined;
  }
  const uid = Number(isId(userPart) ? userPart : entry!.uid);
  let gid = entry?.gid ?? 0;
  const groupList = groups(rootfs);
  const findGroup = (g: string): number => {
    if (isId(g)) return Number(g);
    const hit = groupList.find((e) => e.name === g);
    if (!hit) throw new BerthError(`unable to find group ${g}: no matching entries in group file`);
    return hit.gid;
  };
  if (groupPart !== undefined && groupPart !== "") gid = findGroup(groupPart);
  const additional = new Set<number>();
  // Docker adds the user's supplementary groups only when no group was given explicitly
  if (entry && groupPart === undefined) {
    for (const g of groupList) if (g.members.includes(entry.name) && g.gid !== gid) additional.add(g.gid);
  }
  for (const g of groupAdd) additional.add(findGroup(g));
  return { uid, gid, additionalGids: [...additional], home: entry?.home || "/" };
}
