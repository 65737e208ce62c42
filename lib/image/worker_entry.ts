/**
 * Where Worker code comes from. Run from source, each worker is its own module; in the one-file build
 * everything is one bundle, which registers itself here and is loaded by every worker (each worker
 * module starts itself when it sees its own worker name).
 */
let entryUrl: string | undefined;

export function setWorkerEntry(url: string): void {
  entryUrl = url;
}

/** The URL to load for a worker whose own module is `moduleUrl`. */
export function workerUrl(moduleUrl: URL): string {
  return entryUrl ?? moduleUrl.href;
}
