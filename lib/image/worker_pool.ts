/**
 * The lanes that run a pull's (or load's) layer jobs. With libz and libcrypto on the host, all of them run in
 * this isolate (the CPU work is on helper threads). Without, a small pool of layer workers (see
 * `pull_worker.ts`): the main thread is one of the lanes (it is otherwise idle, and a Worker costs an isolate
 * start), so n jobs at a concurrency of c use c − 1 workers.
 */
import { BerthError } from "../util/errors.ts";
import { PULL_WORKER_NAME, runJob, type WorkerJob, type WorkerReply } from "./pull_worker.ts";
import type { UnpackResult } from "./layer_unpack.ts";
import { loadZlib } from "../ffi/zlib.ts";
import { loadLibcrypto } from "../ffi/libcrypto.ts";

/**
 * Where libz and libcrypto do a layer's inflate and hashing on helper threads, every lane runs in this isolate:
 * the JS thread is left the tar parsing and file creation, and no Worker is started (each blocks this thread
 * ~30 ms and compiles its bundle on the other core: bench/README.md "Pull").
 */
const nativeOffload = () => loadZlib() !== null && loadLibcrypto() !== null;

let entryUrl: string | undefined;

/** The one-file build runs everything from one bundle; it registers that bundle as the worker's code. */
export function setWorkerEntry(url: string): void {
  entryUrl = url;
}

function workerUrl(): string {
  return entryUrl ?? new URL("./pull_worker.ts", import.meta.url).href;
}

function spawn(): Worker {
  return new Worker(workerUrl(), { type: "module", name: PULL_WORKER_NAME });
}

let warm: Worker[] = [];
let warmTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Starts the layer workers that `runJobs(…, n)` will use (n − 1: the main thread is a lane too), so
 * their isolates load while the manifest and config are still being fetched. `new Worker` blocks the
 * main thread for ~15 ms each, so they are started one per macrotask and the fetches make progress in
 * between. {@link releaseWorkers} ends the unused ones.
 */
export function prewarmWorkers(n: number): void {
  if (nativeOffload()) return;
  clearTimeout(warmTimer);
  const next = () => {
    if (warm.length >= n - 1) return;
    warm.push(spawn());
    warmTimer = setTimeout(next, 0);
  };
  warmTimer = setTimeout(next, 0);
}

export function releaseWorkers(): void {
  clearTimeout(warmTimer);
  for (const w of warm) w.terminate();
  warm = [];
}

interface Pending {
  resolve: (r: UnpackResult) => void;
  reject: (e: Error) => void;
  onProgress: (bytes: number) => void;
}

/** Runs `jobs` with at most `concurrency` at once; resolves to each job's result, in order. */
export async function runJobs(
  jobs: WorkerJob[],
  concurrency: number,
  onProgress: (index: number, bytes: number) => void,
  onStart: (index: number) => void = () => {},
): Promise<UnpackResult[]> {
  if (jobs.length === 0) return [];
  if (jobs.length === 1 || concurrency <= 1) {
    const out: UnpackResult[] = [];
    for (let i = 0; i < jobs.length; i++) {
      onStart(i);
      out.push(await runJob(jobs[i], (b) => onProgress(i, b)));
    }
    return out;
  }
  clearTimeout(warmTimer);
  const native = nativeOffload();
  const size = native ? 0 : Math.min(concurrency, jobs.length) - 1;
  const inlineLanes = native ? Math.min(concurrency, jobs.length) : 1;
  const workers: Worker[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let failed: Error | null = null;
  for (let i = 0; i < size; i++) {
    const w = warm.pop() ?? spawn();
    w.onmessage = (ev: MessageEvent<WorkerReply>) => {
      const m = ev.data;
      const p = pending.get(m.id);
      if (!p) return;
      if (m.type === "progress") p.onProgress(m.bytes);
      else {
        pending.delete(m.id);
        if (m.type === "done") p.resolve(m.result);
        else p.reject(new BerthError(m.message));
      }
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      const err = new BerthError(`layer worker failed: ${ev.message}`);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    workers.push(w);
  }
  const results: UnpackResult[] = new Array(jobs.length);
  let cursor = 0;
  const inWorker = (w: Worker, index: number) =>
    new Promise<UnpackResult>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject, onProgress: (b) => onProgress(index, b) });
      w.postMessage({ id, job: jobs[index] });
    });
  const inline = (index: number) => runJob(jobs[index], (b) => onProgress(index, b));
  const lane = async (w?: Worker) => {
    while (cursor < jobs.length && !failed) {
      const index = cursor++;
      onStart(index);
      try {
        results[index] = await (w ? inWorker(w, index) : inline(index));
      } catch (err) {
        failed ??= err as Error;
      }
    }
  };
  try {
    await Promise.all([...workers.map(lane), ...Array.from({ length: inlineLanes }, () => lane())]);
  } finally {
    for (const w of workers) w.terminate();
  }
  if (failed) throw failed;
  return results;
}
