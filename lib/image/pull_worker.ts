/**
 * The layer worker: a Deno Worker that downloads and unpacks layers so that several layers use
 * several cores at once (decompression, hashing and file creation are CPU work).
 *
 * It starts itself when this module is loaded inside a Worker named {@link PULL_WORKER_NAME}; the
 * one-file build loads its single bundle as the worker, which is why `main.ts` imports this module.
 */
import { messageOf } from "../util/errors.ts";
import { nodeCrypto, nodeZlib } from "../util/node_builtins.ts";
import { loadZlib } from "../ffi/zlib.ts";
import { loadLibcrypto } from "../ffi/libcrypto.ts";
import { RegistryClient, type RegistryClientState } from "./registry_client.ts";
import { unpackLayer, type UnpackJob, type UnpackResult } from "./layer_unpack.ts";

export const PULL_WORKER_NAME = "berth-layer-worker";

export interface WorkerJob extends UnpackJob {
  /** registry state, or absent for a local file source */
  client?: RegistryClientState;
  repository?: string;
  /** a local blob file to read instead of the registry */
  file?: string;
}

export type WorkerRequest = { id: number; job: WorkerJob };
export type WorkerReply =
  | { id: number; type: "progress"; bytes: number }
  | { id: number; type: "done"; result: UnpackResult }
  | { id: number; type: "error"; message: string };

/** Fetches (or opens) one blob and unpacks it; used by the worker and, for one layer, inline. */
export async function runJob(job: WorkerJob, onProgress: (bytes: number) => void): Promise<UnpackResult> {
  let body: ReadableStream<Uint8Array>;
  if (job.file) {
    body = (await Deno.open(job.file, { read: true })).readable;
  } else {
    const client = RegistryClient.fromJSON(job.client!);
    const what = `${client.registry}/${job.repository}`;
    const res = await client.request("GET", `/v2/${job.repository}/blobs/${job.digest}`, {
      scope: `repository:${job.repository}:pull`,
    });
    if (!res.ok) await client.fail(`pull ${what}: blob ${job.digest}`, res);
    if (!res.body) throw new Error(`pull ${what}: blob ${job.digest}: empty response`);
    body = res.body;
  }
  return await unpackLayer(body, job, onProgress);
}

function startWorker(): void {
  // load what every job needs while the first job is still on its way
  if (!loadLibcrypto()) nodeCrypto();
  if (!loadZlib()) nodeZlib();
  // deno-lint-ignore no-explicit-any
  const scope = self as any; // a DedicatedWorkerGlobalScope; the main-thread typings do not know it
  const post = (m: WorkerReply) => scope.postMessage(m);
  scope.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
    const { id, job } = ev.data;
    try {
      const result = await runJob(job, (bytes) => post({ id, type: "progress", bytes }));
      post({ id, type: "done", result });
    } catch (err) {
      post({ id, type: "error", message: messageOf(err) });
    }
  };
}

if ("WorkerGlobalScope" in globalThis && self.name === PULL_WORKER_NAME) startWorker();
