/**
 * An OCI mount's `options` as mount(2) takes them: flags, propagation and the data string, as runc and
 * crun read them (`ro`, `nosuid`, `bind`, `rbind`, `rprivate`, … ; anything else, e.g. `mode=755`, is data).
 */
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_SYNCHRONOUS = 0x10;
export const MS_REMOUNT = 0x20;
export const MS_MANDLOCK = 0x40;
export const MS_DIRSYNC = 0x80;
export const MS_NOATIME = 0x400;
export const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_UNBINDABLE = 0x20000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_SHARED = 0x100000;
export const MS_RELATIME = 0x200000;
export const MS_STRICTATIME = 0x1000000;

const SET: Record<string, number> = {
  ro: MS_RDONLY, nosuid: MS_NOSUID, nodev: MS_NODEV, noexec: MS_NOEXEC, sync: MS_SYNCHRONOUS, remount: MS_REMOUNT,
  mand: MS_MANDLOCK, dirsync: MS_DIRSYNC, noatime: MS_NOATIME, nodiratime: MS_NODIRATIME, bind: MS_BIND,
  rbind: MS_BIND | MS_REC, relatime: MS_RELATIME, strictatime: MS_STRICTATIME,
};
const CLEAR: Record<string, number> = {
  rw: MS_RDONLY, suid: MS_NOSUID, dev: MS_NODEV, exec: MS_NOEXEC, async: MS_SYNCHRONOUS, nomand: MS_MANDLOCK,
  atime: MS_NOATIME, diratime: MS_NODIRATIME, norelatime: MS_RELATIME, nostrictatime: MS_STRICTATIME,
};
const PROPAGATION: Record<string, number> = {
  private: MS_PRIVATE, rprivate: MS_PRIVATE | MS_REC, shared: MS_SHARED, rshared: MS_SHARED | MS_REC,
  slave: MS_SLAVE, rslave: MS_SLAVE | MS_REC, unbindable: MS_UNBINDABLE, runbindable: MS_UNBINDABLE | MS_REC,
};

export interface ParsedMountOptions {
  flags: number;
  /** propagation changes, each its own mount(2) call after the mount */
  propagation: number[];
  /** the comma-joined rest, for the filesystem */
  data: string;
}

/**
 * @example
 * ```ts
 * parseMountOptions(["nosuid", "strictatime", "mode=755", "size=65536k"]);
 * // { flags: MS_NOSUID | MS_STRICTATIME, propagation: [], data: "mode=755,size=65536k" }
 * ```
 */
export function parseMountOptions(options: string[] = []): ParsedMountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  for (const o of options) {
    if (o in SET) flags |= SET[o];
    else if (o in CLEAR) flags &= ~CLEAR[o];
    else if (o in PROPAGATION) propagation.push(PROPAGATION[o]);
    else if (o === "defaults") continue;
    else data.push(o);
  }
  return { flags, propagation, data: data.join(",") };
}
