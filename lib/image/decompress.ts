/**
 * A layer's decompression, pipelined with its consumer: while libz (or libzstd) fills one output buffer on a
 * helper thread, the JS thread hands the other to `sink` (hash, tar parser, file creation). A layer of many
 * small files is then bounded by file creation, not by inflate + file creation one after the other.
 *
 * Where the host has no libz / libzstd, node:zlib does the work on the JS thread (same results, slower).
 * Gzip follows node:zlib's rules: concatenated members are read one after another; bytes after a member that
 * do not start another are ignored.
 */
import { nodeZlib } from "../util/node_builtins.ts";
import { drainedOrClosed } from "../util/drain.ts";
import {
  inflateInitGzip,
  loadZlib,
  loadZstd,
  Z_BUF_ERROR,
  Z_NO_FLUSH,
  Z_OK,
  Z_STREAM_END,
  type ZlibLib,
  ZStream,
  ZstdBuffer,
  zstdError,
  type ZstdLib,
} from "../ffi/zlib.ts";

export class CorruptStreamError extends Error {}

/**
 * Takes each output chunk. The view's buffer is reused once the call returns, or, when it returns a promise,
 * once that settles (a hash still reading it on another thread).
 */
export type Sink = (chunk: Uint8Array) => void | Promise<void>;

export interface Decompressor {
  /** Decompresses `input`, which must not change until this settles. */
  write(input: Uint8Array): Promise<void>;
  /** Hands out the rest; throws when the stream stopped short. */
  end(): Promise<void>;
  /** Releases native state; waits for a step still running. Safe at any time, more than once. */
  close(): Promise<void>;
}

const OUT_SIZE = 256 * 1024;
const GZIP_MAGIC = 0x1f;

/** Double-buffered output: the buffer being filled and the one waiting for the sink. */
class Outputs {
  #bufs = [new Uint8Array(OUT_SIZE), new Uint8Array(OUT_SIZE)];
  /** per buffer: what the sink still does with it */
  #busy: Array<Promise<void> | void> = [undefined, undefined];
  #k = 0;
  #waiting = -1;
  #length = 0;

  constructor(private readonly sink: Sink) {}

  /** the buffer the next step fills, once the sink is done with it */
  async next(): Promise<Uint8Array> {
    await this.#busy[this.#k];
    return this.#bufs[this.#k];
  }

  /** `n` bytes of the buffer from {@link next} were filled: they wait for the sink while the following step runs */
  filled(n: number): void {
    if (n === 0) return;
    this.#waiting = this.#k;
    this.#length = n;
    this.#k ^= 1;
  }

  /** hands the waiting output to the sink */
  flush(): void {
    const w = this.#waiting;
    if (w < 0) return;
    this.#waiting = -1;
    this.#busy[w] = this.sink(this.#bufs[w].subarray(0, this.#length));
  }

  /** waits until the sink is done with both buffers */
  async settled(): Promise<void> {
    await Promise.all(this.#busy);
  }
}

/** Runs one native step while the sink takes the previous output; a throwing sink waits for the step. */
async function overlapped<T>(step: Promise<T>, out: Outputs): Promise<T> {
  try {
    out.flush();
  } catch (err) {
    await step.catch(() => {});
    throw err;
  }
  return await step;
}

class NativeGunzip implements Decompressor {
  #z = new ZStream();
  #out: Outputs;
  /** "member": inside one; "between": one ended, another may follow; "trailing": the rest is ignored */
  #state: "member" | "between" | "trailing" = "member";
  #open = true;
  #running: Promise<unknown> = Promise.resolve();
  #lastFull = false;
  #input: Uint8Array | null = null;

  constructor(private readonly lib: ZlibLib, sink: Sink) {
    this.#out = new Outputs(sink);
    const ret = inflateInitGzip(lib, this.#z);
    if (ret !== Z_OK) throw new Error(`zlib: inflateInit failed (${ret})`);
  }

  async #step(input: Uint8Array): Promise<number> {
    this.#input = input; // kept alive while libz reads it
    const out = await this.#out.next();
    this.#z.setIn(input);
    this.#z.setOut(out);
    const call = this.lib.inflate(this.#z.mem, Z_NO_FLUSH);
    this.#running = call;
    const ret = await overlapped(call, this.#out);
    const produced = out.length - this.#z.availOut;
    this.#lastFull = this.#z.availOut === 0;
    this.#out.filled(produced);
    if (ret === Z_STREAM_END) this.#state = "between";
    else if (ret !== Z_OK && !(ret === Z_BUF_ERROR && produced === 0)) {
      throw new CorruptStreamError(`gzip: ${this.#z.message ?? `inflate failed (${ret})`}`);
    }
    return input.length - this.#z.availIn;
  }

  async write(input: Uint8Array): Promise<void> {
    let off = 0;
    while (off < input.length || (this.#lastFull && this.#state === "member")) {
      if (this.#state === "trailing") return;
      if (this.#state === "between") {
        if (off >= input.length) return;
        if (input[off] !== GZIP_MAGIC) {
          this.#state = "trailing";
          return;
        }
        this.lib.inflateReset(this.#z.mem);
        this.#state = "member";
      }
      const used = await this.#step(input.subarray(off));
      off += used;
      if (used === 0 && !this.#lastFull && this.#state === "member") {
        throw new CorruptStreamError("gzip: inflate made no progress");
      }
    }
  }

  async end(): Promise<void> {
    // what libz still holds once the input is all in
    while (this.#state === "member" && this.#lastFull) await this.#step(new Uint8Array(0));
    this.#out.flush();
    await this.#out.settled();
    if (this.#state === "member") throw new CorruptStreamError("gzip: unexpected end of stream");
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.#running.catch(() => {});
    this.lib.inflateEnd(this.#z.mem);
    this.#input = null;
  }
}

class NativeZstd implements Decompressor {
  #ds: Deno.PointerValue;
  #in = new ZstdBuffer();
  #outBuf = new ZstdBuffer();
  #out: Outputs;
  #running: Promise<unknown> = Promise.resolve();
  /** the last step's hint: 0 = a frame is complete and flushed */
  #hint: number | bigint = 1;
  #lastFull = false;
  #lastProduced = 0;
  #input: Uint8Array | null = null;

  constructor(private readonly lib: ZstdLib, sink: Sink) {
    this.#out = new Outputs(sink);
    this.#ds = lib.ZSTD_createDStream();
    if (!this.#ds) throw new Error("zstd: ZSTD_createDStream failed");
  }

  async #step(input: Uint8Array): Promise<number> {
    this.#input = input;
    const out = await this.#out.next();
    this.#in.set(input);
    this.#outBuf.set(out);
    const call = this.lib.ZSTD_decompressStream(this.#ds, this.#outBuf.mem, this.#in.mem);
    this.#running = call;
    const ret = await overlapped(call, this.#out);
    const err = zstdError(this.lib, ret);
    if (err) throw new CorruptStreamError(`zstd: ${err}`);
    this.#hint = ret;
    const produced = this.#outBuf.pos;
    this.#lastFull = produced === out.length;
    this.#lastProduced = produced;
    this.#out.filled(produced);
    return this.#in.pos;
  }

  async write(input: Uint8Array): Promise<void> {
    let off = 0;
    while (off < input.length || this.#lastFull) {
      const used = await this.#step(input.subarray(off));
      off += used;
      if (used === 0 && this.#lastProduced === 0 && off < input.length) throw new CorruptStreamError("zstd: no progress");
    }
  }

  async end(): Promise<void> {
    while (this.#lastFull) await this.#step(new Uint8Array(0));
    this.#out.flush();
    await this.#out.settled();
    if (Number(this.#hint) !== 0) throw new CorruptStreamError("zstd: unexpected end of stream");
  }

  async close(): Promise<void> {
    if (!this.#ds) return;
    await this.#running.catch(() => {});
    this.lib.ZSTD_freeDStream(this.#ds);
    this.#ds = null;
    this.#input = null;
  }
}

/** node:zlib's stream, on the JS thread: where the host lacks the native library. */
class NodeDecompressor implements Decompressor {
  #error: Error | null = null;
  #ended: Promise<void>;
  /** the sink's last pending work: node hands out a fresh buffer each time, so only the end waits for it */
  #last: Promise<void> | void = undefined;

  constructor(private readonly dec: import("node:stream").Transform, sink: Sink) {
    dec.on("data", (c: Uint8Array) => {
      try {
        this.#last = sink(c) ?? this.#last;
      } catch (err) {
        this.#error ??= err as Error;
        dec.destroy();
      }
    });
    this.#ended = new Promise((resolve, reject) => {
      dec.on("end", () => resolve());
      dec.on("error", (err: Error) => reject(this.#error ?? new CorruptStreamError(err.message)));
      dec.on("close", () => (this.#error ? reject(this.#error) : undefined));
    });
    this.#ended.catch(() => {}); // observed in write/end
  }

  async write(input: Uint8Array): Promise<void> {
    if (this.#error) throw this.#error;
    // a decompressor destroyed by a failing sink never drains: wait for either
    if (!this.dec.write(input)) await drainedOrClosed(this.dec);
    if (this.#error) throw this.#error;
    if (this.dec.destroyed) await this.#ended;
  }

  async end(): Promise<void> {
    this.dec.end();
    await this.#ended;
    if (this.#error) throw this.#error;
    await this.#last;
  }

  close(): Promise<void> {
    this.dec.destroy();
    return Promise.resolve();
  }
}

export type Method = "gzip" | "zstd";

/**
 * A decompressor for `method` that hands its output to `sink`; native where the host has the library,
 * unless `native` is false (tests compare both).
 */
export async function openDecompressor(method: Method, sink: Sink, native = true): Promise<Decompressor> {
  if (native && method === "gzip") {
    const lib = loadZlib();
    if (lib) return new NativeGunzip(lib, sink);
  }
  if (native && method === "zstd") {
    const lib = loadZstd();
    if (lib) return new NativeZstd(lib, sink);
  }
  const zlib = await nodeZlib();
  const dec = method === "gzip"
    ? zlib.createGunzip({ chunkSize: OUT_SIZE })
    : zlib.createZstdDecompress({ chunkSize: OUT_SIZE });
  return new NodeDecompressor(dec, sink);
}
