/**
 * The apply worker: parses a layer's tar stream and writes its files in a thread of its own, while
 * the layer's thread downloads, hashes and decompresses — the same split as `tar -xzf`'s gzip | tar.
 *
 * The main thread starts apply workers (a Worker started from a Worker costs Deno about a second)
 * and hands each layer a MessageChannel: one port to the layer's thread ({@link RemoteApplier}), the
 * other to an apply worker. Chunks travel as transferred buffers, at most {@link MAX_IN_FLIGHT}
 * unacknowledged, so memory stays bounded and backpressure reaches the socket.
 */
import { messageOf } from "../util/errors.ts";
import { LayerApplier } from "./layer_apply.ts";
import { TarParser } from "./tar_reader.ts";
import { workerUrl } from "./worker_entry.ts";

export const APPLY_WORKER_NAME = "berth-apply-worker";
const MAX_IN_FLIGHT = 16;

type ApplyRequest = { type: "start"; dir: string } | { type: "chunk"; buf: ArrayBuffer } | { type: "end" };
type ApplyReply = { type: "ack" } | { type: "done"; unpackedBytes: number } | { type: "error"; message: string };

/** Where a layer's tar bytes go: parsed and applied on this thread, or in an apply worker. */
export interface TarSink {
  push(chunk: Uint8Array): void;
  /** A promise while the sink is too far behind: wait for it before feeding more input. */
  ready(): void | Promise<void>;
  /** All bytes pushed: completes the layer and returns the bytes of file content written. */
  finish(): Promise<number>;
  abort(): void;
}

/** Parses and applies on the calling thread. */
export function localSink(dir: string): TarSink {
  const applier = new LayerApplier(dir);
  const parser = new TarParser(applier);
  return {
    push: (c) => parser.push(c),
    ready: () => {},
    finish: () => {
      parser.end();
      applier.finish();
      return Promise.resolve(applier.unpackedBytes);
    },
    abort: () => applier.abort(),
  };
}

/** Parses and applies in the apply worker at the other end of `port`. */
export class RemoteApplier implements TarSink {
  #inflight = 0;
  #waiters: Array<() => void> = [];
  #error: Error | null = null;
  #done: Promise<number>;

  constructor(dir: string, private readonly port: MessagePort) {
    let resolve!: (n: number) => void;
    let reject!: (e: Error) => void;
    this.#done = new Promise<number>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#done.catch(() => {}); // reported through push/ready/finish
    const wakeAll = () => {
      const w = this.#waiters;
      this.#waiters = [];
      for (const f of w) f();
    };
    port.onmessage = (ev: MessageEvent<ApplyReply>) => {
      const m = ev.data;
      if (m.type === "ack") {
        if (--this.#inflight < MAX_IN_FLIGHT) wakeAll();
      } else if (m.type === "done") resolve(m.unpackedBytes);
      else {
        this.#error ??= new Error(m.message);
        reject(this.#error);
        wakeAll();
      }
    };
    this.#post({ type: "start", dir });
  }

  #post(m: ApplyRequest, transfer: Transferable[] = []): void {
    this.port.postMessage(m, transfer);
  }

  push(chunk: Uint8Array): void {
    if (this.#error) throw this.#error;
    // the decompressor reuses its buffers (and Buffer#slice is a view): send a real copy we can give away
    const copy = new Uint8Array(chunk);
    this.#post({ type: "chunk", buf: copy.buffer }, [copy.buffer]);
    this.#inflight++;
  }

  ready(): void | Promise<void> {
    if (this.#error) throw this.#error;
    if (this.#inflight < MAX_IN_FLIGHT) return;
    return new Promise<void>((r) => this.#waiters.push(r)).then(() => {
      if (this.#error) throw this.#error;
    });
  }

  async finish(): Promise<number> {
    if (this.#error) throw this.#error;
    this.#post({ type: "end" });
    try {
      return await this.#done;
    } finally {
      this.port.close();
    }
  }

  abort(): void {
    this.port.close(); // the apply worker sees no more input; its owner terminates it
  }
}

/** Starts an apply worker (call on the main thread; see the module comment). */
export function startApplyWorker(): Worker {
  const url = workerUrl(new URL("./apply_worker.ts", import.meta.url));
  return new Worker(url, { type: "module", name: APPLY_WORKER_NAME });
}

/** Connects `worker` (an apply worker) to a new channel; returns the port for the layer's thread. */
export function connectApplyWorker(worker: Worker): MessagePort {
  const ch = new MessageChannel();
  worker.postMessage({ port: ch.port2 }, [ch.port2]);
  return ch.port1;
}

/** One layer session on one port, inside the apply worker. */
function serve(port: MessagePort): void {
  const post = (m: ApplyReply) => port.postMessage(m);
  let sink: TarSink | null = null;
  let failed = false;
  port.onmessage = (ev: MessageEvent<ApplyRequest>) => {
    const m = ev.data;
    if (failed) return;
    try {
      if (m.type === "start") sink = localSink(m.dir);
      else if (m.type === "chunk") {
        sink!.push(new Uint8Array(m.buf));
        post({ type: "ack" });
      } else {
        sink!.finish().then(
          (unpackedBytes) => post({ type: "done", unpackedBytes }),
          (err) => post({ type: "error", message: messageOf(err) }),
        ).finally(() => port.close());
      }
    } catch (err) {
      failed = true;
      sink?.abort();
      post({ type: "error", message: messageOf(err) });
      port.close();
    }
  };
}

if ("WorkerGlobalScope" in globalThis && self.name === APPLY_WORKER_NAME) {
  // deno-lint-ignore no-explicit-any
  (self as any).onmessage = (ev: MessageEvent<{ port: MessagePort }>) => serve(ev.data.port);
}
