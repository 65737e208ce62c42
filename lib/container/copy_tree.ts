/** Copies a directory tree keeping owners, modes, times and symlinks (for volume seeding and copy rootfs). */
import * as libc from "../ffi/libc.ts";

/** Copies the contents of `src` into the existing directory `dst`, and `src`'s own metadata onto `dst`. */
export function copyTree(src: string, dst: string): void {
  for (const e of Deno.readDirSync(src)) {
    const s = `${src}/${e.name}`;
    const d = `${dst}/${e.name}`;
    const st = Deno.lstatSync(s);
    if (st.isDirectory) {
      Deno.mkdirSync(d);
      copyTree(s, d); // sets its metadata too
    } else copyEntry(s, d, st);
  }
  copyMeta(Deno.lstatSync(src), dst);
}

/** Copies one entry that is not a directory (file, symlink, device, fifo) with its metadata. */
export function copyEntry(s: string, d: string, st: Deno.FileInfo): void {
  if (st.isSymlink) Deno.symlinkSync(Deno.readLinkSync(s), d);
  else if (st.isFile) Deno.copyFileSync(s, d);
  else libc.mknod(d, st.mode!, (st.rdev! >> 8) & 0xfff, st.rdev! & 0xff);
  copyMeta(st, d);
}

function copyMeta(st: Deno.FileInfo, path: string): void {
  libc.lchown(path, st.uid!, st.gid!);
  if (!st.isSymlink) libc.chmod(path, st.mode! & 0o7777);
  libc.lutimes(path, st.atime?.getTime() ?? 0, st.mtime?.getTime() ?? 0);
}
