/**
 * The extended attribute that marks an overlayfs directory opaque (it hides the layers below). Root's berth
 * uses overlayfs' own, `trusted.overlay.opaque`; in a user namespace (an ordinary user's berth) trusted.*
 * cannot be written, so there it is `user.overlay.opaque`, which overlayfs reads when mounted with
 * `userxattr` (kernel ≥ 5.11), as rootless Podman does. One storage root is always used the same way.
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
