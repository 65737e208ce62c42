import { dirname } from "./path.ts";
import { BerthError } from "./errors.ts";
import { statLite } from "../ffi/sys.ts";

let counter = 0;

/** A temp name beside `path`, unique to this process and call. */
export function tempNameFor(path: string): string {
  return `${path}.tmp-${Deno.pid}-${++counter}`;
}

/**
 * Writes `data` so that a crash leaves either the old file or the new one, never a half-written one:
 * temp name in the same directory, fsync, rename, fsync of the directory.
 */
export function writeFileAtomicSync(path: string, data: Uint8Array | string, mode = 0o644): void {
  const tmp = tempNameFor(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const file = Deno.openSync(tmp, { write: true, create: true, truncate: true, mode });
  try {
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    file.syncSync();
  } catch (err) {
    file.close();
    Deno.removeSync(tmp);
    throw err;
  }
  file.close();
  Deno.renameSync(tmp, path);
  fsyncDirSync(dirname(path));
}

/** Makes a rename in `dir` durable. */
export function fsyncDirSync(dir: string): void {
  const d = Deno.openSync(dir, { read: true });
  try {
    d.syncSync();
  } finally {
    d.close();
  }
}

/**
 * Reads and parses a JSON state file, or returns `fallback` when it does not exist. A file that cannot
 * be read or parsed (truncated, corrupt) is a {@link BerthError} naming the file, never a raw message.
 */
export function readJsonSync<T>(path: string, fallback: T): T {
  // no exception for the common "not there" (Deno's NotFound costs milliseconds, on `run`'s path too)
  if (!statLite(path)) return fallback;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return fallback;
    throw new BerthError(`cannot read ${path}: ${err instanceof Error ? err.message.replace(/ \(os error \d+\).*$/, "") : err}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new BerthError(`${path} is corrupt (not valid JSON${text.length === 0 ? ": empty" : ""}); move it away or restore it`);
  }
}
