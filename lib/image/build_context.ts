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

  static read(context: string): Ignore {
    try {
      return new Ignore(Deno.readTextFileSync(join(context, ".dockerignore")));
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

/** The context paths a COPY/ADD source names (a glob may name several); refuses what is not there. */
export function resolveSources(context: string, src: string, ignore: Ignore, what: string): string[] {
  const rel = clean(src);
  if (rel.split("/").includes("..")) throw new BerthError(`${what}: ${src} is outside the build context`);
  if (!/[*?[]/.test(rel)) {
    if (!rel) return [""];
    if (ignore.excludes(rel) || !libc_exists(join(context, rel))) {
      throw new BerthError(`${what}: file not found in build context or excluded by .dockerignore: ${src}`);
    }
    return [rel];
  }
  // a glob: match against the context's paths at the glob's depth
  const re = globToRegExp(rel, false);
  const depth = rel.split("/").length;
  const out: string[] = [];
  const walk = (dir: string, level: number) => {
    for (const e of Deno.readDirSync(join(context, dir))) {
      const p = dir ? `${dir}/${e.name}` : e.name;
      if (level === depth) {
        if (re.test(p) && !ignore.excludes(p)) out.push(p);
      } else if (e.isDirectory) walk(p, level + 1);
    }
  };
  walk("", 1);
  if (!out.length) throw new BerthError(`${what}: no source files were specified (nothing matches ${src})`);
  return out.sort();
}

function libc_exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A digest of the sources' names, modes, link targets and contents (what the cache compares). */
export async function hashSources(base: string, rels: string[], ignore: Ignore | null): Promise<string> {
  const { createHash } = await nodeCrypto();
  const h = createHash("sha256");
  const add = (rel: string) => {
    const path = join(base, rel);
    const st = Deno.lstatSync(path);
    h.update(`${rel}\0${st.mode}\0${st.uid}:${st.gid}\0`);
    if (st.isSymlink) h.update(Deno.readLinkSync(path));
    else if (st.isFile) h.update(Deno.readFileSync(path));
    else if (st.isDirectory) {
      for (const name of [...Deno.readDirSync(path)].map((e) => e.name).sort()) {
        const child = rel ? `${rel}/${name}` : name;
        if (!ignore?.excludes(child)) add(child);
      }
    }
  };
  for (const r of rels) add(r);
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

/** Copies one file, dir (recursively, honouring `ignore`) or symlink; owner `owner` or the source's. */
function copyEntry(from: string, to: string, rel: string, ignore: Ignore | null, owner: Owner | null): void {
  const st = Deno.lstatSync(from);
  if (st.isSymlink) {
    Deno.symlinkSync(Deno.readLinkSync(from), to);
  } else if (st.isDirectory) {
    try {
      Deno.mkdirSync(to);
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    for (const e of Deno.readDirSync(from)) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (ignore?.excludes(childRel)) continue;
      copyEntry(`${from}/${e.name}`, `${to}/${e.name}`, childRel, ignore, owner);
    }
    Deno.chmodSync(to, st.mode! & 0o7777);
  } else if (st.isFile) {
    Deno.copyFileSync(from, to);
    Deno.chmodSync(to, st.mode! & 0o7777);
  } else return; // devices, fifos, sockets: not copied, as Docker's COPY does for a context
  const o = owner ?? { uid: st.uid ?? 0, gid: st.gid ?? 0 };
  libc.lchown(to, o.uid, o.gid);
  if (!st.isSymlink && st.mtime) Deno.utimeSync(to, st.atime ?? st.mtime, st.mtime);
}

/**
 * Copies `sources` (paths under `base`) to `dest` inside `layer`, as COPY does: into `dest/` when it
 * ends in `/` or there are several sources, a directory's contents rather than the directory itself.
 * `dest` is absolute (the caller resolved it against WORKDIR).
 */
export function copySources(base: string, sources: string[], dest: string, layer: string, ignore: Ignore | null, owner: Owner | null): void {
  const intoDir = dest.endsWith("/") || sources.length > 1;
  for (const rel of sources) {
    const from = join(base, rel);
    const st = Deno.lstatSync(from);
    if (st.isDirectory) {
      mkdirs(layer, dest);
      const target = join(layer, dest);
      for (const e of Deno.readDirSync(from)) {
        const childRel = rel ? `${rel}/${e.name}` : e.name;
        if (ignore?.excludes(childRel)) continue;
        copyEntry(`${from}/${e.name}`, `${target}/${e.name}`, childRel, ignore, owner);
      }
    } else {
      const to = intoDir ? join(dest, rel.split("/").pop()!) : dest;
      mkdirs(layer, dirname(to));
      copyEntry(from, join(layer, to), rel, ignore, owner);
    }
  }
}
