/**
 * The extended attribute that marks an overlayfs directory opaque (it hides the layers below). Root's berth
 * uses overlayfs' own, `trusted.overlay.opaque`; in a user namespace (an ordinary user's berth) trusted.*
 * cannot be written, so there it is `user.overlay.opaque`, which overlayfs reads when mounted with
 * `userxattr` (kernel ≥ 5.11), as rootless Podman does. One storage root is always used the same way.
 *
 * Whiteouts are overlay's 0:0 character devices — except where a user namespace may not make one (its storage on
 * an overlayfs, as for berth in a container): there, overlay's other form (kernel ≥ 6.7), an empty file marked
 * `user.overlay.whiteout`, its directory marked `user.overlay.whiteouts`. Every reader of layers knows both.
 */
import { inUserNamespace } from "../ffi/namespaces.ts";
import * as libc from "../ffi/libc.ts";

export function opaqueXattr(): string {
  return inUserNamespace() ? "user.overlay.opaque" : "trusted.overlay.opaque";
}

/** Whether the directory at `path` (not followed if a symlink) carries overlay's opaque mark ("y"). */
export function hasOpaqueMark(path: string): boolean {
  const v = libc.lgetxattr(path, opaqueXattr());
  return v !== null && v.length === 1 && v[0] === 0x79;
}

const S_IFMT = 0o170000, S_IFCHR = 0o020000, S_IFREG = 0o100000;

/** The whiteout mark of an empty file (overlay's other whiteout form) and of the directory that holds one. */
export function whiteoutXattrs(): { file: string; dir: string } {
  return inUserNamespace() ? { file: "user.overlay.whiteout", dir: "user.overlay.whiteouts" } : { file: "trusted.overlay.whiteout", dir: "trusted.overlay.whiteouts" };
}

/** Whether the entry at `path` (`st` its lstat) is a whiteout, in either form. */
export function isWhiteout(path: string, st: { mode: number; rdev: number; size: number }): boolean {
  const type = st.mode & S_IFMT;
  if (type === S_IFCHR) return st.rdev === 0;
  return type === S_IFREG && st.size === 0 && libc.lgetxattr(path, whiteoutXattrs().file) !== null;
}

/** Makes `name` in the directory `dir` a whiteout in overlay's xattr form (when a 0:0 device is refused). */
export function makeXattrWhiteout(dir: string, name: string): void {
  const marks = whiteoutXattrs();
  Deno.openSync(`${dir}/${name}`, { write: true, createNew: true, mode: 0o000 }).close();
  libc.lsetxattr(`${dir}/${name}`, marks.file, new TextEncoder().encode("y"));
  libc.lsetxattr(dir, marks.dir, new TextEncoder().encode("y"));
}
