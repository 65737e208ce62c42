/**
 * Writes tar archives (ustar headers, PAX extended headers for long names, big sizes and xattrs).
 * Output goes to a sink function chunk by chunk, so large archives never sit in memory.
 *
 * @example
 * ```ts
 * const w = new TarWriter((c) => file.write(c));
 * await w.add({ name: "hello.txt", type: "file", mode: 0o644, size: 5 }, new TextEncoder().encode("hello"));
 * await w.finish();
 * ```
 */
import type { TarEntryType } from "./tar_reader.ts";

export interface TarWriteEntry {
  name: string;
  type: TarEntryType;
  mode: number;
  size?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** seconds since the epoch */
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Uint8Array>;
}

export type TarSink = (chunk: Uint8Array) => void | Promise<void>;

const encoder = new TextEncoder();
const TYPEFLAG: Record<TarEntryType, string> = {
  file: "0",
  link: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
};

function put(h: Uint8Array, off: number, len: number, s: string): void {
  const b = encoder.encode(s);
  h.set(b.subarray(0, len), off);
}

function putOctal(h: Uint8Array, off: number, len: number, v: number): void {
  put(h, off, len - 1, Math.max(0, Math.floor(v)).toString(8).padStart(len - 1, "0"));
}

function paxRecord(key: string, value: Uint8Array): Uint8Array {
  const body = encoder.encode(` ${key}=`);
  const base = body.length + value.length + 1;
  let len = base + String(base).length;
  if (String(len).length !== String(base).length) len = base + String(len).length;
  const out = new Uint8Array(len);
  const lenBytes = encoder.encode(String(len));
  out.set(lenBytes, 0);
  out.set(body, lenBytes.length);
  out.set(value, lenBytes.length + body.length);
  out[len - 1] = 0x0a;
  return out;
}

function isPlainAscii(s: string, max: number): boolean {
  return s.length <= max && /^[\x20-\x7e]*$/.test(s);
}

function header(name: string, typeflag: string, e: Partial<TarWriteEntry>, size: number): Uint8Array {
  const h = new Uint8Array(512);
  put(h, 0, 100, name);
  putOctal(h, 100, 8, (e.mode ?? 0o644) & 0o7777);
  putOctal(h, 108, 8, Math.min(e.uid ?? 0, 0o7777777));
  putOctal(h, 116, 8, Math.min(e.gid ?? 0, 0o7777777));
  putOctal(h, 124, 12, size < 0o77777777777 ? size : 0);
  putOctal(h, 136, 12, Math.min(e.mtime ?? 0, 0o77777777777));
  h.fill(0x20, 148, 156);
  put(h, 156, 1, typeflag);
  put(h, 157, 100, e.linkname && isPlainAscii(e.linkname, 100) ? e.linkname : "");
  put(h, 257, 6, "ustar");
  put(h, 263, 2, "00");
  put(h, 265, 32, e.uname ?? "");
  put(h, 297, 32, e.gname ?? "");
  putOctal(h, 329, 8, e.devmajor ?? 0);
  putOctal(h, 337, 8, e.devminor ?? 0);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  put(h, 148, 7, sum.toString(8).padStart(6, "0") + "\0");
  return h;
}

function padTo512(n: number): number {
  return (512 - (n % 512)) % 512;
}

export class TarWriter {
  #zeros = new Uint8Array(1024);
  constructor(private readonly sink: TarSink) {}

  /** Adds one entry; `body` supplies exactly `entry.size` bytes for files. */
  async add(
    entry: TarWriteEntry,
    body?: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): Promise<void> {
    const size = entry.type === "file" ? entry.size ?? (body instanceof Uint8Array ? body.length : 0) : 0;
    let name = entry.name;
    if (entry.type === "dir" && !name.endsWith("/")) name += "/";
    const records: Uint8Array[] = [];
    if (!isPlainAscii(name, 100)) records.push(paxRecord("path", encoder.encode(name)));
    if (entry.linkname && !isPlainAscii(entry.linkname, 100)) {
      records.push(paxRecord("linkpath", encoder.encode(entry.linkname)));
    }
    if (size >= 0o77777777777) records.push(paxRecord("size", encoder.encode(String(size))));
    if ((entry.uid ?? 0) > 0o7777777) records.push(paxRecord("uid", encoder.encode(String(entry.uid))));
    if ((entry.gid ?? 0) > 0o7777777) records.push(paxRecord("gid", encoder.encode(String(entry.gid))));
    for (const [k, v] of entry.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
    if (records.length) {
      const total = records.reduce((n, r) => n + r.length, 0);
      const pax = new Uint8Array(total + padTo512(total));
      let off = 0;
      for (const r of records) {
        pax.set(r, off);
        off += r.length;
      }
      await this.sink(header("././@PaxHeader", "x", { mode: 0o644 }, total));
      await this.sink(pax);
    }
    await this.sink(header(name.slice(0, 100), TYPEFLAG[entry.type], entry, size));
    if (size === 0) return;
    let written = 0;
    if (body instanceof Uint8Array) {
      await this.sink(body);
      written = body.length;
    } else if (body) {
      for await (const chunk of body) {
        written += chunk.length;
        if (written > size) throw new Error(`tar: ${entry.name} grew while being archived`);
        await this.sink(chunk);
      }
    }
    if (written !== size) throw new Error(`tar: ${entry.name}: wrote ${written} of ${size} bytes`);
    const pad = padTo512(size);
    if (pad) await this.sink(this.#zeros.subarray(0, pad));
  }

  /** Writes the end-of-archive marker (two zero blocks). */
  async finish(): Promise<void> {
    await this.sink(this.#zeros);
  }
}
