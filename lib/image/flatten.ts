/**
 * Reads a stack of unpacked layers (overlayfs form, lowest first) as the one filesystem a container
 * sees — without mounting anything — and writes it as a tar. Whiteouts (char 0:0) hide what lies
 * below, opaque directories (`trusted.overlay.opaque=y`) hide everything below them, and files that
 * share an inode are written once and then as hardlinks.
 */
import * as libc from "../ffi/libc.ts";
import type { TarEntryType } from "./tar_reader.ts";
import type { TarWriteEntry, TarWriter } from "./tar_writer.ts";

interface Found {
  path: string;
  info: Deno.FileInfo;
  layer: number;
}

export const isWhiteout = (i: Deno.FileInfo) => i.isCharDevice === true && (i.rdev ?? 0) === 0;

export function isOpaque(path: string): boolean {
  const v = libc.lgetxattr(path, "trusted.overlay.opaque");
  return v !== null && v.length === 1 && v[0] === 0x79;
}

function typeOf(i: Deno.FileInfo): TarEntryType | null {
  if (i.isFile) return "file";
  if (i.isDirectory) return "dir";
  if (i.isSymlink) return "symlink";
  if (i.isCharDevice) return "char";
  if (i.isBlockDevice) return "block";
  if (i.isFifo) return "fifo";
  return null; // sockets are not archived, as tar does
}

function xattrsOf(path: string): Map<string, Uint8Array> | undefined {
  let names: string[];
  try {
    names = libc.llistxattr(path);
  } catch {
    return undefined;
  }
  const out = new Map<string, Uint8Array>();
  for (const n of names) {
    if (n.startsWith("trusted.overlay.")) continue;
    const v = libc.lgetxattr(path, n);
    if (v) out.set(n, v);
  }
  return out.size ? out : undefined;
}

function* readFile(path: string, size: number): Generator<Uint8Array> {
  const f = Deno.openSync(path, { read: true });
  try {
    const buf = new Uint8Array(Math.min(1 << 20, Math.max(size, 1)));
    let left = size;
    while (left > 0) {
      const n = f.readSync(buf.subarray(0, Math.min(buf.length, left)));
      if (n === null || n === 0) throw new Error(`${path} shrank while being archived`);
      left -= n;
      yield buf.subarray(0, n);
    }
  } finally {
    f.close();
  }
}

/**
 * Writes the file at `path` (lstat `info`) as tar entry `name`: files with their content (a second
 * name of an inode already written, as a hardlink, through `links`), dirs, symlinks, devices, fifos,
 * with owner, mode, mtime and xattrs (overlay's own left out). Returns the type, null for a socket.
 */
export async function writeEntry(w: TarWriter, path: string, info: Deno.FileInfo, name: string, links: Map<string, string>): Promise<TarEntryType | null> {
  const type = typeOf(info);
  if (!type) return null;
  const entry: TarWriteEntry = {
    name,
    type,
    mode: info.mode! & 0o7777,
    uid: info.uid ?? 0,
    gid: info.gid ?? 0,
    mtime: Math.floor((info.mtime?.getTime() ?? 0) / 1000),
    xattrs: type === "symlink" ? undefined : xattrsOf(path),
  };
  if (type === "file" && (info.nlink ?? 1) > 1) {
    const key = `${info.dev}:${info.ino}`;
    const first = links.get(key);
    if (first) {
      await w.add({ ...entry, type: "link", linkname: first, xattrs: undefined });
      return "link";
    }
    links.set(key, name);
  }
  if (type === "symlink") entry.linkname = Deno.readLinkSync(path);
  if (type === "char" || type === "block") {
    const rdev = info.rdev ?? 0;
    entry.devmajor = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
    entry.devminor = (rdev & 0xff) | ((rdev >> 12) & ~0xff & 0xfffff);
  }
  if (type === "file") await w.add({ ...entry, size: info.size }, readFile(path, info.size));
  else await w.add(entry);
  return type;
}

/** Writes the merged view of `layers` (lowest first) through `w`, names under `prefix` if given. */
export async function writeFlattened(layers: string[], w: TarWriter, prefix = ""): Promise<void> {
  const top = layers.slice().reverse();
  const links = new Map<string, string>();
  const walk = async (rel: string, sources: string[]) => {
    const found = new Map<string, Found>();
    const hidden = new Set<string>();
    sources.forEach((src, layer) => {
      for (const e of Deno.readDirSync(src)) {
        if (found.has(e.name) || hidden.has(e.name)) continue;
        const path = `${src}/${e.name}`;
        const info = Deno.lstatSync(path);
        if (isWhiteout(info)) hidden.add(e.name);
        else found.set(e.name, { path, info, layer });
      }
    });
    for (const name of [...found.keys()].sort()) {
      const { path, info, layer } = found.get(name)!;
      const entryName = rel ? `${rel}/${name}` : name;
      const type = await writeEntry(w, path, info, entryName, links);
      if (type === "dir") {
        const below: string[] = [path];
        if (!isOpaque(path)) {
          for (let l = layer + 1; l < sources.length; l++) {
            const cand = `${sources[l]}/${name}`;
            let ci: Deno.FileInfo;
            try {
              ci = Deno.lstatSync(cand);
            } catch {
              continue; // absent in this layer: look lower
            }
            if (!ci.isDirectory) break; // a file or whiteout ends the merge
            below.push(cand);
            if (isOpaque(cand)) break;
          }
        }
        await walk(entryName, below);
      }
    }
  };
  await walk(prefix, top);
}
