/**
 * A small pool of layer workers (see `pull_worker.ts`), each paired with an apply worker
 * (`apply_worker.ts`) that writes the layer's files while the layer worker downloads and decompresses.
 * A single layer is fetched on the main thread: a layer worker would only add an isolate start.
 */
import { BerthError } from "../util/errors.ts";
import { connectApplyWorker, startApplyWorker } from "./apply_worker.ts";
import { PULL_WORKER_NAME, runJob, type WorkerJob, type WorkerReply } from "./pull_worker.ts";
import type { UnpackResult } from "./layer_unpack.ts";
import { workerUrl } from "./worker_entry.ts";

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
  const size = Math.min(Math.max(concurrency, 1), jobs.length);
  const appliers = Array.from({ length: size }, () => startApplyWorker());
  if (size === 1) {
    try {
      const out: UnpackResult[] = [];
      for (let i = 0; i < jobs.length; i++) {
        onStart(i);
        out.push(await runJob(jobs[i], (b) => onProgress(i, b), connectApplyWorker(appliers[0])));
      }
      return out;
    } finally {
      appliers[0].terminate();
    }
  }
  const workers: Worker[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let failed: Error | null = null;
  for (let i = 0; i < size; i++) {
    const w = new Worker(workerUrl(new URL("./pull_worker.ts", import.meta.url)), {
      type: "module",
      name: PULL_WORKER_NAME,
    });
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
  const lane = async (w: Worker, applier: Worker) => {
    while (cursor < jobs.length && !failed) {
      const index = cursor++;
      onStart(index);
      const id = nextId++;
      try {
        results[index] = await new Promise<UnpackResult>((resolve, reject) => {
          pending.set(id, { resolve, reject, onProgress: (b) => onProgress(index, b) });
          const applyPort = connectApplyWorker(applier);
          w.postMessage({ id, job: jobs[index], applyPort }, [applyPort]);
        });
      } catch (err) {
        failed ??= err as Error;
      }
    }
  };
  try {
    await Promise.all(workers.map((w, i) => lane(w, appliers[i])));
  } finally {
    for (const w of [...workers, ...appliers]) w.terminate();
  }
  if (failed) throw failed;
  return results;
}
