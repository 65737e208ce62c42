/**
 * The extended attribute that marks an overlayfs directory opaque (it hides the layers below). Root's berth
 * uses overlayfs' own, `trusted.overlay.opaque`; in a user namespace (an ordinary user's berth) trusted.*
 * cannot be written, so there it is `user.overlay.opaque`, which overlayfs reads when mounted with
 * `userxattr` (kernel ≥ 5.11), as rootless Podman does. One storage root is always used the same way.
 */
import { inUserNamespace } from "../ffi/namespaces.ts";

export function opaqueXattr(): string {
  return inUserNamespace() ? "user.overlay.opaque" : "trusted.overlay.opaque";
}
