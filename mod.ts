/**
 * berth's public API: everything the `berth` command does, as typed functions for Deno scripts.
 *
 * @example
 * ```ts
 * import { listImages, pull } from "./mod.ts";
 * await pull("127.0.0.1:5000/busybox:latest", { root: "/var/lib/berth" });
 * console.log(listImages("/var/lib/berth"));
 * ```
 * @module
 */
export { VERSION } from "./lib/version.ts";
export { BerthError } from "./lib/util/errors.ts";
export { DEFAULT_ROOT, type ImageRecord, type LayerRecord } from "./lib/image/store.ts";
export { formatReference, parseReference, type Reference } from "./lib/image/reference.ts";
export { pull, type PullOptions, type PullResult } from "./lib/image/pull.ts";
export { type ImageSummary, listImages } from "./lib/image/list.ts";
export { removeImage, type RemoveOptions } from "./lib/image/remove.ts";
