/**
 * The build context: `.dockerignore` (Docker's rules: globs with `*`, `?`, `**`, a pattern also
 * excludes what is below a matched directory, `!` re-includes, the last match wins), the sources of
 * COPY/ADD (globs), a content hash of them for the build cache, and copying them into a layer
 * directory with Docker's destination rules.
 */
import { BerthError } from "../util/errors.ts";
import { nodeCrypto } from "../util/node_builtins.ts";
import { dirname, join } from "../util/path.ts";
import * as libc from "../ffi/libc.ts";
import {
  closeQuietly,
  fdPath,
  isDirMode,
  isLinkMode,
  isRegMode,
  listDir,
  openRegularAt,
  readFd,
  readlinkAt,
  type Stat,
  statAt,
  writeAllFd,
} from "../ffi/dir_fd.ts";
import { openPathInRoot, readRegularInRoot, splitLast, withRootFd } from "../container/path_in_root.ts";
import { openSubdir } from "./flatten.ts";

interface Pattern {
  re: RegExp;
  negate: boolean;
}

/** `glob` as a RegExp; `below`: also what lies under a match (an excluded dir excludes its contents). */
function globToRegExp(glob: string, below = true): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
      if (glob[i + 1] === "/") i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(below ? `^${re}(/.*)?$` : `^${re}$`);
}

const clean = (p: string) => p.split("/").filter((c) => c && c !== ".").join("/");

export class Ignore {
  #patterns: Pattern[] = [];

  constructor(text = "") {
    for (let l of text.split("\n")) {
      l = l.trim();
      if (!l || l.startsWith("#")) continue;
      const negate = l.startsWith("!");
      const p = clean(negate ? l.slice(1).trim() : l);
      if (p) this.#patterns.push({ re: globToRegExp(p), negate });
    }
  }

  /** CONTEXT/.dockerignore, read inside the context: a link out of it leads to nothing. */
  static read(context: string): Ignore {
    try {
      const data = withRootFd(context, (fd) => readRegularInRoot(fd, ".dockerignore", 1 << 20));
      return new Ignore(data ? new TextDecoder().decode(data) : "");
    } catch {
      return new Ignore();
    }
  }

  /** Whether `rel` (a path inside the context) is left out. */
  excludes(rel: string): boolean {
    let out = false;
    const r = clean(rel);
    for (const p of this.#patterns) if (p.re.test(r)) out = !p.negate;
    return out;
  }
}

/**
 * The context paths a COPY/ADD source names (a glob may name several); refuses what is not there.
 * Symlinks are taken inside the context (a link to `/` means the context's root) whenever the sources
 * are used (see {@link realSource}).
 */
export function resolveSources(context: string, src: string, ignore: Ignore, what: string): string[] {
  const rel = clean(src);
  if (rel.split("/").includes("..")) throw new BerthError(`${what}: ${src} is outside the build context`);
  return withRootFd(context, (ctx) => {
    const real = (p: string): string | null => (realIn(ctx, p) === null ? null : p);
    if (!/[*?[]/.test(rel)) {
      if (!rel) return [""];
      const r = ignore.excludes(rel) ? null : real(rel);
      if (r === null) throw new BerthError(`${what}: file not found in build context or excluded by .dockerignore: ${src}`);
      return [r];
    }
    // a glob: match against the context's paths at the glob's depth, walking real directories only
    const re = globToRegExp(rel, false);
    const depth = rel.split("/").length;
    const out: string[] = [];
    const walk = (dirFd: number, dir: string, level: number) => {
      for (const name of listDir(dirFd)) {
        const p = dir ? `${dir}/${name}` : name;
        if (level === depth) {
          if (re.test(p) && !ignore.excludes(p)) {
            const r = real(p);
            if (r !== null) out.push(r);
          }
          continue;
        }
        const sub = openSubdir(dirFd, name);
        if (sub === null) continue;
        try {
          walk(sub, p, level + 1);
        } finally {
          closeQuietly(sub);
        }
      }
    };
    walk(ctx, "", 1);
    if (!out.length) throw new BerthError(`${what}: no source files were specified (nothing matches ${src})`);
    return [...new Set(out)].sort();
  });
}

/** Where `rel` leads inside the root `rootFd`, every symlink taken in the root; null when nowhere. */
function realIn(rootFd: number, rel: string): string | null {
  const fd = openPathInRoot(rootFd, rel);
  if (fd === null) return null;
  try {
    return realRel(rootFd, fd);
  } finally {
    closeQuietly(fd);
  }
}

/** The host path of source `rel` of the context `base` with its symlinks taken inside the context. */
export function realSource(base: string, rel: string): string {
  const real = withRootFd(base, (root) => realIn(root, rel));
  if (real === null) throw changed(rel);
  return real ? join(base, real) : base;
}

/** The path, relative to the root `rootFd`, of what the fd `fd` (found inside it) is now. */
function realRel(rootFd: number, fd: number): string {
  const root = Deno.readLinkSync(fdPath(rootFd));
  const here = Deno.readLinkSync(fdPath(fd));
  if (here === root) return "";
  if (!here.startsWith(root === "/" ? "/" : `${root}/`)) throw new BerthError(`${here} is outside the build context`);
  return here.slice(root === "/" ? 1 : root.length + 1);
}

/** Runs `fn` with the parent directory fd and the name of what source `rel` leads to in `base`. */
function withEntry<T>(base: string, rel: string, fn: (dirFd: number, name: string, st: Stat) => T): T {
  return withRootFd(base, (root) => {
    const real = realIn(root, rel);
    if (real === null) throw changed(rel);
    const { parent, last } = real ? splitLast(`/${real}`) : { parent: "/", last: "" };
    const dirFd = openPathInRoot(root, parent, true);
    if (dirFd === null) throw changed(rel);
    try {
      const name = last || ".";
      const st = statAt(dirFd, name);
      if (!st) throw changed(rel);
      return fn(dirFd, name, st);
    } finally {
      closeQuietly(dirFd);
    }
  });
}

/** The error for a source that is not what it was a moment ago (someone changes the context meanwhile). */
const changed = (rel: string) => new BerthError(`${rel} changed in the build context while building`);

/**
 * Calls `fn` for each entry of the directory `name` of `dirFd` that `ignore` keeps, in name order, with
 * the directory's fd, the entry's lstat and its path in the context. The directory is opened without
 * following a symlink.
 */
function eachChild(dirFd: number, name: string, rel: string, ignore: Ignore | null, fn: (sub: number, child: string, st: Stat, childRel: string) => void): void {
  const sub = openSubdir(dirFd, name);
  if (sub === null) throw changed(rel);
  try {
    for (const child of listDir(sub).sort()) {
      const childRel = rel ? `${rel}/${child}` : child;
      if (ignore?.excludes(childRel)) continue;
      const cst = statAt(sub, child);
      if (cst) fn(sub, child, cst, childRel);
    }
  } finally {
    closeQuietly(sub);
  }
}

/**
 * The bytes the context would be as a tar (what Docker's client sends): each entry's 512-byte header plus
 * its content in 512-byte blocks; what .dockerignore leaves out is not counted. `onProgress` hears the
 * running total as the walk goes (a large context takes a while).
 */
export function contextSize(base: string, ignore: Ignore, onProgress?: (bytes: number) => void): number {
  let total = 1024; // the two zero blocks that end a tar
  const add = (dirFd: number, name: string, st: Stat, rel: string) => {
    total += 512 + (isRegMode(st.mode) ? Math.ceil(st.size / 512) * 512 : 0);
    if (isDirMode(st.mode)) {
      onProgress?.(total);
      eachChild(dirFd, name, rel, ignore, add);
    }
  };
  withEntry(base, "", (dirFd, name) => eachChild(dirFd, name, "", ignore, add));
  return total;
}

/** A digest of the sources' names, modes, link targets and contents (what the cache compares). */
export async function hashSources(base: string, rels: string[], ignore: Ignore | null): Promise<string> {
  const { createHash } = await nodeCrypto();
  const h = createHash("sha256");
  const add = (dirFd: number, name: string, st: Stat, rel: string) => {
    h.update(`${rel}\0${st.mode}\0${st.uid}:${st.gid}\0`);
    if (isLinkMode(st.mode)) h.update(readlinkAt(dirFd, name));
    else if (isRegMode(st.mode)) {
      const fd = openRegularAt(dirFd, name);
      if (fd === null) throw changed(rel);
      try {
        const buf = new Uint8Array(1 << 20);
        for (let n = readFd(fd, buf); n > 0; n = readFd(fd, buf)) h.update(buf.subarray(0, n));
      } finally {
        closeQuietly(fd);
      }
    } else if (isDirMode(st.mode)) eachChild(dirFd, name, rel, ignore, add);
  };
  for (const r of rels) withEntry(base, r, (dirFd, name, st) => add(dirFd, name, st, r));
  return h.digest("hex");
}

export interface Owner {
  uid: number;
  gid: number;
}

function mkdirs(layer: string, dir: string): void {
  let cur = layer;
  for (const c of dir.split("/").filter(Boolean)) {
    cur = `${cur}/${c}`;
    try {
      Deno.mkdirSync(cur, { mode: 0o755 });
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
  }
}

/**
 * Copies `name` of `dirFd` — a file, a symlink (as itself), or a directory (recursively, honouring
 * `ignore`) — to `to` in the layer being made; owner `owner` or the source's. The source is walked from
 * fds without following symlinks; the layer is berth's own directory.
 */
function copyEntry(dirFd: number, name: string, st: Stat, to: string, rel: string, ignore: Ignore | null, owner: Owner | null): void {
  if (isLinkMode(st.mode)) {
    Deno.symlinkSync(readlinkAt(dirFd, name), to);
  } else if (isDirMode(st.mode)) {
    try {
      Deno.mkdirSync(to);
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    eachChild(dirFd, name, rel, ignore, (sub, child, cst, childRel) => copyEntry(sub, child, cst, `${to}/${child}`, childRel, ignore, owner));
    Deno.chmodSync(to, st.mode & 0o7777);
  } else if (isRegMode(st.mode)) {
    const fd = openRegularAt(dirFd, name);
    if (fd === null) throw changed(rel);
    try {
      const out = libc.open(to, libc.O_WRONLY | libc.O_CREAT | libc.O_TRUNC | libc.O_NOFOLLOW | libc.O_CLOEXEC, 0o600);
      try {
        const buf = new Uint8Array(1 << 20);
        for (let n = readFd(fd, buf); n > 0; n = readFd(fd, buf)) writeAllFd(out, buf.subarray(0, n));
        libc.fchmod(out, st.mode & 0o7777);
      } finally {
        libc.close(out);
      }
    } finally {
      closeQuietly(fd);
    }
  } else return; // devices, fifos, sockets: not copied, as Docker's COPY does for a context
  const o = owner ?? { uid: st.uid, gid: st.gid };
  libc.lchown(to, o.uid, o.gid);
  if (!isLinkMode(st.mode)) libc.lutimes(to, st.atimeMs, st.mtimeMs);
}

/**
 * Copies `sources` (real paths under `base`, from {@link resolveSources}) to `dest` inside `layer`, as
 * COPY does: into `dest/` when it ends in `/` or there are several sources, a directory's contents rather
 * than the directory itself. `dest` is a path in the image: cleaned here, so `/../../x` is `/x`.
 */
export function copySources(base: string, sources: string[], dest: string, layer: string, ignore: Ignore | null, owner: Owner | null): void {
  const intoDir = dest.endsWith("/") || sources.length > 1;
  const cleanDest = join("/", dest);
  for (const rel of sources) {
    withEntry(base, rel, (dirFd, name, st) => {
      if (isDirMode(st.mode)) {
        mkdirs(layer, cleanDest);
        const target = join(layer, cleanDest);
        eachChild(dirFd, name, rel, ignore, (sub, child, cst, childRel) => copyEntry(sub, child, cst, `${target}/${child}`, childRel, ignore, owner));
      } else {
        const to = intoDir ? join(cleanDest, rel.split("/").pop()!) : cleanDest;
        mkdirs(layer, dirname(to));
        copyEntry(dirFd, name, st, join(layer, to), rel, ignore, owner);
      }
    });
  }
}
