/**
 * Applies one layer's tar entries to a directory, as the entries stream in.
 *
 * The result is in overlayfs form, ready to be a lower dir: `.wh.NAME` becomes a char device 0:0 named
 * NAME, and `.wh..wh..opq` sets `trusted.overlay.opaque=y` on its directory. Owners, modes (setuid too),
 * mtimes, xattrs, hardlinks, symlinks, devices and fifos are kept.
 *
 * Nothing is ever written outside the directory: names that climb out with `..` are refused, absolute
 * names are taken relative to it, and symlinks met on the way are resolved with the directory as `/`
 * (the way `chroot` would see them). Hardlink targets are resolved the same way.
 */
import * as libc from "../ffi/libc.ts";
import {
  closeQuietly,
  fstat,
  O_DIRECTORY,
  O_RDONLY,
  openDir,
  RESOLVE_BENEATH,
  RESOLVE_NO_MAGICLINKS,
  RESOLVE_NO_SYMLINKS,
  statAt,
  tryOpenInRoot,
} from "../ffi/dir_fd.ts";
import type { TarEntry, TarHandler } from "./tar_reader.ts";
import { makeXattrWhiteout, opaqueXattr } from "./overlay_xattr.ts";
import { inUserNamespace } from "../ffi/namespaces.ts";

/**
 * overlay's own attributes in an image would change how the stack is read (whiteouts, opaque dirs, redirects,
 * metacopy): never taken from a layer — trusted.overlay.* (root's mounts) nor user.overlay.* (a user's, `userxattr`)
 */
const overlayOwn = (name: string) => name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.");

export class LayerEscapeError extends Error {
  constructor(name: string, why: string) {
    super(`refused layer entry "${name}": ${why}`);
    this.name = "LayerEscapeError";
  }
}

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
const MAX_SYMLINKS = 40;
/** Files at least this big start their writeback when closed (see libc.startWriteback). */
const WRITEBACK_MIN = 256 * 1024;
const enc = new TextEncoder();

interface DirMeta {
  /** the directory's path relative to the root ("" for the root itself) */
  rel: string;
  /** its inode when it was made: metadata goes to that directory or to nothing */
  ino: bigint;
  entry: TarEntry;
}

/** Splits a tar name into clean components; throws when `..` would leave the root. */
function cleanName(name: string): string[] {
  const out: string[] = [];
  for (const c of name.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (out.length === 0) throw new LayerEscapeError(name, "path leaves the layer");
      out.pop();
    } else out.push(c);
  }
  return out;
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

export class LayerApplier implements TarHandler {
  /** bytes of regular-file content written */
  unpackedBytes = 0;
  #dirs = new Set<string>();
  #dirMeta: DirMeta[] = [];
  #fd = -1;

  constructor(readonly root: string) {
    this.#dirs.add(root);
  }

  /**
   * Resolves the first `count` of `parts` as directories inside the root, following symlinks in scope; creates
   * what is missing. Each step's path is the previous one's plus a component (no join per step: this runs
   * for every entry of a layer).
   */
  #resolveDir(parts: string[], count: number, name: string): string {
    const paths: string[] = []; // paths[i]: the root's path of the first i + 1 resolved components
    let queue = parts;
    let end = count;
    let links = 0;
    for (let i = 0; i < end;) {
      const c = queue[i++];
      if (c === "" || c === ".") continue;
      if (c === "..") {
        paths.pop(); // at the root, `..` stays at the root
        continue;
      }
      const abs = `${paths.length ? paths[paths.length - 1] : this.root}/${c}`;
      paths.push(abs);
      if (this.#dirs.has(abs)) continue;
      const st = lstatOrNull(abs);
      if (!st) {
        libc.mkdir(abs, 0o755);
      } else if (st.isSymlink) {
        if (++links > MAX_SYMLINKS) throw new LayerEscapeError(name, "too many levels of symbolic links");
        const target = Deno.readLinkSync(abs);
        paths.pop();
        if (target.startsWith("/")) paths.length = 0;
        queue = [...target.split("/"), ...queue.slice(i, end)];
        end = queue.length;
        i = 0;
        continue;
      } else if (!st.isDirectory) {
        throw new LayerEscapeError(name, `${abs.slice(this.root.length + 1)} is not a directory`);
      }
      this.#dirs.add(abs);
    }
    return paths.length ? paths[paths.length - 1] : this.root;
  }

  /** Removes whatever is at `path` (not following symlinks) so a new entry can take its place. */
  #clear(path: string, keepDir: boolean): Deno.FileInfo | null {
    const st = lstatOrNull(path);
    if (!st) return null;
    if (st.isDirectory) {
      if (keepDir) return st;
      Deno.removeSync(path, { recursive: true });
      this.#dirs.clear();
      this.#dirs.add(this.root);
      return null;
    }
    Deno.removeSync(path);
    return null;
  }

  entry(e: TarEntry): void {
    const parts = cleanName(e.name);
    if (parts.length === 0) {
      if (e.type === "dir") this.#dirMeta.push({ rel: "", ino: this.#inode(this.root), entry: e });
      return;
    }
    const base = parts[parts.length - 1];
    const parent = this.#resolveDir(parts, parts.length - 1, e.name);
    if (base === OPAQUE) {
      libc.lsetxattr(parent, opaqueXattr(), enc.encode("y"));
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      const hidden = base.slice(WHITEOUT.length);
      if (!hidden || hidden === "." || hidden === "..") throw new LayerEscapeError(e.name, "bad whiteout");
      const path = `${parent}/${hidden}`;
      this.#clear(path, false);
      try {
        libc.mknod(path, libc.S_IFCHR, 0, 0);
      } catch (err) {
        // EPERM in a user namespace: its storage refuses device nodes (an overlayfs): overlay's xattr whiteout
        if (!(err instanceof libc.ErrnoError && err.code === 1 && inUserNamespace())) throw err;
        makeXattrWhiteout(parent, hidden);
      }
      return;
    }
    const path = `${parent}/${base}`;
    switch (e.type) {
      case "dir": {
        if (!this.#clear(path, true)) libc.mkdir(path, 0o700);
        this.#dirs.add(path);
        this.#dirMeta.push({ rel: path.slice(this.root.length + 1), ino: this.#inode(path), entry: e });
        return;
      }
      case "file": {
        // Create first and clear only on EEXIST: one syscall fewer per file in the common case,
        // and file creation is what small-file layers spend their time on.
        const flags = libc.O_WRONLY | libc.O_CREAT | libc.O_EXCL | libc.O_NOFOLLOW | libc.O_CLOEXEC;
        const perm = e.mode & 0o777;
        try {
          this.#fd = libc.open(path, flags, perm);
        } catch (err) {
          if (!(err instanceof libc.ErrnoError) || err.code !== libc.EEXIST) throw err;
          this.#clear(path, false);
          this.#fd = libc.open(path, flags, perm);
        }
        this.unpackedBytes += e.size;
        return;
      }
      case "symlink": {
        this.#clear(path, false);
        Deno.symlinkSync(e.linkname, path);
        libc.lchown(path, e.uid, e.gid);
        this.#setXattrs(path, e);
        libc.lutimes(path, e.mtime * 1000, e.mtime * 1000);
        return;
      }
      case "link": {
        const tparts = cleanName(e.linkname);
        if (tparts.length === 0) throw new LayerEscapeError(e.name, "hardlink to the layer root");
        const tparent = this.#resolveDir(tparts, tparts.length - 1, e.name);
        const target = `${tparent}/${tparts[tparts.length - 1]}`;
        const tst = lstatOrNull(target);
        if (!tst) throw new LayerEscapeError(e.name, `hardlink target "${e.linkname}" is not in this layer`);
        if (tst.isDirectory) throw new LayerEscapeError(e.name, "hardlink to a directory");
        if (target === path) return;
        this.#clear(path, false);
        Deno.linkSync(target, path);
        return;
      }
      case "char":
      case "block":
      case "fifo": {
        this.#clear(path, false);
        const kind = e.type === "char" ? libc.S_IFCHR : e.type === "block" ? libc.S_IFBLK : libc.S_IFIFO;
        libc.mknod(path, kind | (e.mode & 0o777), e.devmajor, e.devminor);
        libc.lchown(path, e.uid, e.gid);
        libc.chmod(path, e.mode);
        this.#setXattrs(path, e);
        libc.lutimes(path, e.mtime * 1000, e.mtime * 1000);
        return;
      }
    }
  }

  data(chunk: Uint8Array): void {
    libc.writeAll(this.#fd, chunk as Uint8Array<ArrayBuffer>);
  }

  entryEnd(e: TarEntry): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    try {
      const me = libc.processIds();
      if (e.uid !== me.uid || e.gid !== me.gid) libc.fchown(fd, e.uid, e.gid);
      // open's mode was cut by the umask, and chown clears setuid/setgid: fix the mode when either bit
      if ((e.mode & 0o7000) !== 0 || (e.mode & me.umask & 0o777) !== 0) libc.fchmod(fd, e.mode);
      if (e.xattrs.size) this.#setXattrsFd(fd, e);
      libc.futimens(fd, e.mtime * 1000, e.mtime * 1000);
      if (e.size >= WRITEBACK_MIN) libc.startWriteback(fd);
    } finally {
      libc.close(fd);
    }
  }

  #inode(path: string): bigint {
    return statAt(-100, path)?.ino ?? -1n;
  }

  #setXattrsFd(fd: number, e: TarEntry): void {
    for (const [k, v] of e.xattrs) {
      if (overlayOwn(k)) continue;
      libc.fsetxattr(fd, k, v as Uint8Array<ArrayBuffer>);
    }
  }

  #setXattrs(path: string, e: TarEntry): void {
    for (const [k, v] of e.xattrs) {
      if (overlayOwn(k)) continue;
      libc.lsetxattr(path, k, v as Uint8Array<ArrayBuffer>);
    }
  }

  /**
   * Sets directory owners, modes and times last (creating children changes a directory's mtime).
   * Each directory is reopened from the root without following any symlink and must still be the inode
   * that was made: a later entry of the layer may have replaced it, or a parent of it, by a symlink to a
   * host path, and then its metadata goes nowhere rather than onto whatever the link names.
   */
  finish(): void {
    if (!this.#dirMeta.length) return;
    const rootFd = openDir(this.root);
    const done = new Set<string>();
    try {
      for (let i = this.#dirMeta.length - 1; i >= 0; i--) {
        const { rel, ino, entry: e } = this.#dirMeta[i];
        // the last entry for a path is the one that counts (an inode number can be reused meanwhile)
        if (done.has(rel)) continue;
        done.add(rel);
        const fd = rel
          ? tryOpenInRoot(rootFd, rel, O_RDONLY | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
          : tryOpenInRoot(rootFd, ".", O_RDONLY | O_DIRECTORY, RESOLVE_BENEATH);
        if (fd < 0) continue; // gone, or reached through a symlink now
        try {
          if (fstat(fd).ino !== ino) continue; // another directory took its place
          libc.fchown(fd, e.uid, e.gid);
          libc.fchmod(fd, e.mode);
          this.#setXattrsFd(fd, e);
          libc.futimens(fd, e.mtime * 1000, e.mtime * 1000);
        } finally {
          closeQuietly(fd);
        }
      }
    } finally {
      closeQuietly(rootFd);
    }
  }

  /** Closes an open file after a failure. */
  abort(): void {
    if (this.#fd >= 0) {
      try {
        libc.close(this.#fd);
      } catch { /* already failing */ }
      this.#fd = -1;
    }
  }
}
