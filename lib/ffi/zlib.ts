/**
 * zlib's and zstd's streaming decompressors through `Deno.dlopen`, each step run on one of Deno's helper
 * threads (`nonblocking`): the JS thread works on the previous output meanwhile. Deno's own inflaters
 * (node:zlib, DecompressionStream) run on the JS thread, and ~1.8× slower than libz (bench/README.md "Pull").
 *
 * The stream structs live in memory berth owns (a Uint8Array that the caller keeps for the stream's life);
 * libz and libzstd allocate their own state, which `inflateEnd` / `ZSTD_freeDStream` release. Either
 * library may be missing from a host: {@link loadZlib} / {@link loadZstd} return null then, and callers fall
 * back to node:zlib.
 */

const zSymbols = {
  zlibVersion: { parameters: [], result: "pointer" },
  inflateInit2_: { parameters: ["buffer", "i32", "buffer", "i32"], result: "i32" },
  inflate: { parameters: ["buffer", "i32"], result: "i32", nonblocking: true },
  inflateReset: { parameters: ["buffer"], result: "i32" },
  inflateEnd: { parameters: ["buffer"], result: "i32" },
} as const;

const zstdSymbols = {
  ZSTD_createDStream: { parameters: [], result: "pointer" },
  ZSTD_freeDStream: { parameters: ["pointer"], result: "usize" },
  ZSTD_decompressStream: { parameters: ["pointer", "buffer", "buffer"], result: "usize", nonblocking: true },
  ZSTD_isError: { parameters: ["usize"], result: "u32" },
  ZSTD_getErrorName: { parameters: ["usize"], result: "pointer" },
} as const;

export type ZlibLib = Deno.DynamicLibrary<typeof zSymbols>["symbols"];
export type ZstdLib = Deno.DynamicLibrary<typeof zstdSymbols>["symbols"];

let zlib: ZlibLib | null | undefined;
let zstd: ZstdLib | null | undefined;

/**
 * A library's symbols, or null where the host has no such library — or where `BERTH_NO_NATIVE_LIBS=1` asks
 * berth not to use the host's libz, libzstd and libcrypto (node:zlib, node:crypto and layer workers then).
 */
export function tryOpen<S extends Deno.ForeignLibraryInterface>(name: string, syms: S): Deno.DynamicLibrary<S>["symbols"] | null {
  if (Deno.env.get("BERTH_NO_NATIVE_LIBS") === "1") return null;
  try {
    return Deno.dlopen(name, syms).symbols;
  } catch {
    return null;
  }
}

/** libz, or null where the host has none (loaded once per isolate). */
export function loadZlib(): ZlibLib | null {
  if (zlib === undefined) zlib = tryOpen("libz.so.1", zSymbols);
  return zlib;
}

/** libzstd, or null where the host has none. */
export function loadZstd(): ZstdLib | null {
  if (zstd === undefined) zstd = tryOpen("libzstd.so.1", zstdSymbols);
  return zstd;
}

export const Z_OK = 0;
export const Z_STREAM_END = 1;
export const Z_BUF_ERROR = -5;
export const Z_NO_FLUSH = 0;

/** `z_stream` on LP64: next_in, avail_in, total_in, next_out, avail_out, total_out, msg, state, … (112 bytes) */
export const Z_STREAM_SIZE = 112;
const NEXT_IN = 0, AVAIL_IN = 8, NEXT_OUT = 24, AVAIL_OUT = 32, MSG = 48;

const addr = (buf: Uint8Array): bigint => buf.length ? Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf as Uint8Array<ArrayBuffer>)) : 0n;

/** One z_stream and its view. */
export class ZStream {
  // an ArrayBuffer of its own: its memory never moves (V8 may keep a small typed array's bytes in its heap,
  // which a GC can move while a helper thread still writes there)
  readonly mem = new Uint8Array(new ArrayBuffer(Z_STREAM_SIZE));
  readonly #v = new DataView(this.mem.buffer);

  setIn(buf: Uint8Array): void {
    this.#v.setBigUint64(NEXT_IN, addr(buf), true);
    this.#v.setUint32(AVAIL_IN, buf.length, true);
  }

  setOut(buf: Uint8Array): void {
    this.#v.setBigUint64(NEXT_OUT, addr(buf), true);
    this.#v.setUint32(AVAIL_OUT, buf.length, true);
  }

  get availIn(): number {
    return this.#v.getUint32(AVAIL_IN, true);
  }

  get availOut(): number {
    return this.#v.getUint32(AVAIL_OUT, true);
  }

  /** zlib's message for the last error, if it set one */
  get message(): string | null {
    const p = this.#v.getBigUint64(MSG, true);
    return p ? Deno.UnsafePointerView.getCString(Deno.UnsafePointer.create(p)!) : null;
  }
}

/** inflateInit2 for gzip only (window bits 15 + 16), as zlib's macro would call it. */
export function inflateInitGzip(lib: ZlibLib, z: ZStream): number {
  const version = Deno.UnsafePointerView.getCString(lib.zlibVersion()!);
  return lib.inflateInit2_(z.mem, 15 + 16, new TextEncoder().encode(version + "\0"), Z_STREAM_SIZE);
}

/** `ZSTD_inBuffer` / `ZSTD_outBuffer`: { void* ptr; size_t size; size_t pos } */
export class ZstdBuffer {
  readonly mem = new Uint8Array(new ArrayBuffer(24)); // never moves: see ZStream
  readonly #v = new DataView(this.mem.buffer);

  set(buf: Uint8Array): void {
    this.#v.setBigUint64(0, addr(buf), true);
    this.#v.setBigUint64(8, BigInt(buf.length), true);
    this.#v.setBigUint64(16, 0n, true);
  }

  get pos(): number {
    return Number(this.#v.getBigUint64(16, true));
  }
}

/** ZSTD_isError's answer for a result, with its name */
export function zstdError(lib: ZstdLib, ret: number | bigint): string | null {
  const code = BigInt(ret);
  if (!lib.ZSTD_isError(code)) return null;
  return Deno.UnsafePointerView.getCString(lib.ZSTD_getErrorName(code)!);
}
