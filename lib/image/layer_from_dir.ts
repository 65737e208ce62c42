/**
 * A directory in overlayfs form (a container's upper dir: whiteouts as char 0:0, opaque dirs by
 * `trusted.overlay.opaque=y`, or `user.` in a user namespace: overlay_xattr.ts) written as an OCI layer tar: `.wh.NAME` for a whiteout, `DIR/.wh..wh..opq`
 * for an opaque directory, everything else as it is (see flatten.ts's writeEntryAt). The walk goes from
 * directory fds without following symlinks: the container may still be changing the directory.
 */
import { closeQuietly, isDirMode, listDir, openDir, statAt } from "../ffi/dir_fd.ts";
import { isOpaqueAt, isWhiteoutAt, openSubdir, writeEntryAt } from "./flatten.ts";
import type { TarWriter } from "./tar_writer.ts";

/** Writes `dir` as a layer; `skip` holds paths ("/etc/hosts") that are not the layer's content. */
export async function writeLayerFromDir(dir: string, w: TarWriter, skip: Set<string> = new Set()): Promise<void> {
  const links = new Map<string, string>();
  const walk = async (dirFd: number, rel: string) => {
    for (const name of listDir(dirFd).sort()) {
      const entryName = `${rel}/${name}`.slice(1);
      if (skip.has(`${rel}/${name}`)) continue;
      const st = statAt(dirFd, name);
      if (!st) continue;
      if (isWhiteoutAt(dirFd, name, st)) {
        await w.add({ name: rel ? `${rel.slice(1)}/.wh.${name}` : `.wh.${name}`, type: "file", mode: 0o644, size: 0, mtime: Math.floor(st.mtimeMs / 1000) });
        continue;
      }
      if (!isDirMode(st.mode)) {
        await writeEntryAt(w, dirFd, name, st, entryName, links);
        continue;
      }
      const sub = openSubdir(dirFd, name);
      if (sub === null) continue;
      try {
        await writeEntryAt(w, dirFd, name, st, entryName, links);
        if (isOpaqueAt(dirFd, name)) await w.add({ name: `${entryName}/.wh..wh..opq`, type: "file", mode: 0o644, size: 0 });
        await walk(sub, `${rel}/${name}`);
      } finally {
        closeQuietly(sub);
      }
    }
  };
  const fd = openDir(dir);
  try {
    await walk(fd, "");
  } finally {
    closeQuietly(fd);
  }
}
