/**
 * A streaming, push-driven tar parser (ustar, PAX, GNU long names, base-256 numbers).
 * Chunks go in with {@link TarParser.push}; entries and their data come out synchronously through a
 * {@link TarHandler}, so a layer can be unpacked while it is still downloading, without buffering files.
 *
 * @example
 * ```ts
 * const p = new TarParser({ entry: (e) => console.log(e.name), data: () => {}, entryEnd: () => {} });
 * p.push(bytes);
 * p.end();
 * ```
 */

export type TarEntryType = "file" | "link" | "symlink" | "char" | "block" | "dir" | "fifo";

export interface TarEntry {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** seconds since the epoch, may have a fraction (PAX) */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  uname: string;
  gname: string;
  xattrs: Map<string, Uint8Array>;
}

export interface TarHandler {
  entry(entry: TarEntry): void;
  /** A piece of the current entry's content; only valid during the call. */
  data(chunk: Uint8Array): void;
  entryEnd(entry: TarEntry): void;
}

export class TarError extends Error {
  constructor(message: string) {
    super(`invalid tar: ${message}`);
    this.name = "TarError";
  }
}

const BLOCK = 512;
const decoder = new TextDecoder();
const latin1 = new TextDecoder("latin1");

function cString(b: Uint8Array, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return end === off ? "" : decoder.decode(b.subarray(off, end));
}

function num(b: Uint8Array, off: number, len: number): number {
  if (b[off] & 0x80) {
    // GNU base-256: big-endian two's complement, top bit is the marker
    let v = b[off] & 0x7f;
    const neg = (b[off] & 0x40) !== 0;
    if (neg) v = b[off] | ~0xff; // sign-extend
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i];
    return v;
  }
  let v = 0;
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  for (; i < end; i++) {
    const c = b[i];
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw new TarError(`bad number field`);
    v = v * 8 + (c - 0x30);
  }
  return v;
}

function checksumOk(h: Uint8Array): boolean {
  const stored = num(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum === stored;
}

/**
 * POSIX's "ustar\0" at 257: the header has a name prefix field. (GNU's "ustar " has none: its bytes there are
 * other fields.)
 */
function isUstar(h: Uint8Array): boolean {
  return h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72 && h[262] === 0;
}

function isZeroBlock(h: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (h[i] !== 0) return false;
  return true;
}

const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "link",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "dir",
  "6": "fifo",
};

interface Pending {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  uname?: string;
  gname?: string;
  xattrs: Map<string, Uint8Array>;
}

/** shared by every entry without xattrs (most): no Map per entry. Never written to: parsePax makes its own. */
const NO_XATTRS: Map<string, Uint8Array> = new Map();
const newPending = (): Pending => ({ xattrs: NO_XATTRS });

function ownXattrs(p: Pending): Map<string, Uint8Array> {
  if (p.xattrs === NO_XATTRS) p.xattrs = new Map();
  return p.xattrs;
}

/** Parses "LEN key=value\n" records of a PAX extended header into `into`. */
function parsePax(buf: Uint8Array, into: Pending): void {
  let off = 0;
  while (off < buf.length) {
    let sp = off;
    while (sp < buf.length && buf[sp] !== 0x20) sp++;
    const len = parseInt(latin1.decode(buf.subarray(off, sp)), 10);
    if (!(len > 0) || off + len > buf.length) {
      if (buf.subarray(off).every((c) => c === 0)) return; // NUL padding
      throw new TarError("bad PAX record");
    }
    const rec = buf.subarray(sp + 1, off + len - 1); // drop trailing \n
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new TarError("bad PAX record");
    const key = decoder.decode(rec.subarray(0, eq));
    const raw = rec.subarray(eq + 1);
    const value = () => decoder.decode(raw);
    switch (key) {
      case "path":
        into.path = value();
        break;
      case "linkpath":
        into.linkpath = value();
        break;
      case "size":
        into.size = Number(value());
        break;
      case "uid":
        into.uid = Number(value());
        break;
      case "gid":
        into.gid = Number(value());
        break;
      case "mtime":
        into.mtime = Number(value());
        break;
      case "uname":
        into.uname = value();
        break;
      case "gname":
        into.gname = value();
        break;
      default:
        if (key.startsWith("SCHILY.xattr.")) ownXattrs(into).set(key.slice(13), raw.slice());
        else if (key.startsWith("LIBARCHIVE.xattr.")) {
          const name = decodeURIComponent(key.slice(17));
          ownXattrs(into).set(name, Uint8Array.from(atob(value()), (c) => c.charCodeAt(0)));
        }
    }
    off += len;
  }
}

const enum State {
  Header,
  Data,
  Meta,
  Padding,
  Done,
}

export class TarParser {
  #state = State.Header;
  #hdr = new Uint8Array(BLOCK);
  #hdrFill = 0;
  #remaining = 0;
  #padding = 0;
  #entry: TarEntry | null = null;
  #meta: Uint8Array | null = null;
  #metaFill = 0;
  #metaType = "";
  #pending = newPending();
  #global = newPending();
  #zeroBlocks = 0;

  constructor(private readonly handler: TarHandler) {}

  /** True once the end-of-archive marker was seen. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  push(chunk: Uint8Array): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      switch (this.#state) {
        case State.Done:
          return; // trailing bytes after the end marker are ignored, as tar does
        case State.Header: {
          const take = Math.min(BLOCK - this.#hdrFill, n - off);
          if (this.#hdrFill === 0 && take === BLOCK) {
            off += BLOCK;
            this.#header(chunk.subarray(off - BLOCK, off));
          } else {
            this.#hdr.set(chunk.subarray(off, off + take), this.#hdrFill);
            this.#hdrFill += take;
            off += take;
            if (this.#hdrFill === BLOCK) {
              this.#hdrFill = 0;
              this.#header(this.#hdr);
            }
          }
          break;
        }
        case State.Data: {
          const take = Math.min(this.#remaining, n - off);
          this.handler.data(chunk.subarray(off, off + take));
          off += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#finishEntry();
          break;
        }
        case State.Meta: {
          const take = Math.min(this.#remaining, n - off);
          this.#meta!.set(chunk.subarray(off, off + take), this.#metaFill);
          this.#metaFill += take;
          off += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#finishMeta();
          break;
        }
        case State.Padding: {
          const take = Math.min(this.#padding, n - off);
          off += take;
          this.#padding -= take;
          if (this.#padding === 0) this.#state = State.Header;
          break;
        }
      }
    }
  }

  /** Call when the input is exhausted: throws if the archive was cut short. */
  end(): void {
    if (this.#state === State.Done) return;
    if (this.#state === State.Header && this.#hdrFill === 0 && this.#entry === null) {
      // Some writers omit the end marker; accept a clean cut between entries as the end.
      this.#state = State.Done;
      return;
    }
    throw new TarError("unexpected end of archive");
  }

  #header(h: Uint8Array): void {
    if (isZeroBlock(h)) {
      if (++this.#zeroBlocks >= 2) this.#state = State.Done;
      return;
    }
    this.#zeroBlocks = 0;
    if (!checksumOk(h)) throw new TarError("header checksum mismatch");
    const typeflag = String.fromCharCode(h[156]);
    const size = num(h, 124, 12);
    if (typeflag === "x" || typeflag === "g" || typeflag === "L" || typeflag === "K") {
      if (size > 64 * 1024 * 1024) throw new TarError("metadata header too large");
      this.#meta = new Uint8Array(size);
      this.#metaFill = 0;
      this.#metaType = typeflag;
      this.#remaining = size;
      this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
      this.#state = State.Meta;
      if (size === 0) this.#finishMeta();
      return;
    }
    const type = TYPES[typeflag];
    if (!type) throw new TarError(`unsupported entry type '${typeflag}'`);
    const p = this.#pending;
    const g = this.#global;
    let name = cString(h, 0, 100);
    if (isUstar(h)) {
      const prefix = cString(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const entry: TarEntry = {
      name: p.path ?? g.path ?? name,
      type,
      mode: num(h, 100, 8) & 0o7777,
      uid: p.uid ?? g.uid ?? num(h, 108, 8),
      gid: p.gid ?? g.gid ?? num(h, 116, 8),
      size: p.size ?? g.size ?? size,
      mtime: p.mtime ?? g.mtime ?? num(h, 136, 12),
      linkname: p.linkpath ?? g.linkpath ?? cString(h, 157, 100),
      devmajor: type === "char" || type === "block" ? num(h, 329, 8) : 0,
      devminor: type === "char" || type === "block" ? num(h, 337, 8) : 0,
      uname: p.uname ?? g.uname ?? cString(h, 265, 32),
      gname: p.gname ?? g.gname ?? cString(h, 297, 32),
      xattrs: p.xattrs.size ? p.xattrs : g.xattrs,
    };
    if (type === "dir" && entry.name.endsWith("/")) entry.name = entry.name.replace(/\/+$/, "");
    // Hardlinks, symlinks and devices carry no data, whatever their size field says.
    if (type !== "file") entry.size = 0;
    this.#pending = newPending();
    this.#entry = entry;
    this.handler.entry(entry);
    this.#remaining = entry.size;
    this.#padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (entry.size === 0) this.#finishEntry();
    else this.#state = State.Data;
  }

  #finishEntry(): void {
    const e = this.#entry!;
    this.#entry = null;
    this.handler.entryEnd(e);
    this.#state = this.#padding ? State.Padding : State.Header;
  }

  #finishMeta(): void {
    const buf = this.#meta!;
    this.#meta = null;
    switch (this.#metaType) {
      case "x":
        parsePax(buf, this.#pending);
        break;
      case "g":
        parsePax(buf, this.#global);
        break;
      case "L":
        this.#pending.path = cString(buf, 0, buf.length);
        break;
      case "K":
        this.#pending.linkpath = cString(buf, 0, buf.length);
        break;
    }
    this.#state = this.#padding ? State.Padding : State.Header;
  }
}
