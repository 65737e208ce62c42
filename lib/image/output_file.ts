/**
 * Where archives go: a file (written under a temp name, fsynced, renamed when complete, so an
 * interrupted export never leaves a truncated archive under the real name) or stdout.
 */
import { dirname } from "../util/path.ts";
import { tempNameFor } from "../util/atomic_write.ts";
import { BerthError } from "../util/errors.ts";
import { TarWriter } from "./tar_writer.ts";

export interface ArchiveOutput {
  write(b: Uint8Array): Promise<void>;
  /** completes the file (fsync + rename) */
  commit(): Promise<void>;
  /** drops a partial file */
  abort(): void;
}

export function openArchiveOutput(path: string | undefined, what: string): ArchiveOutput {
  if (!path || path === "-") {
    if (Deno.stdout.isTerminal()) {
      throw new BerthError(`${what}: cowardly refusing to write an archive to a terminal; use -o FILE or redirect`);
    }
    const w = Deno.stdout.writable.getWriter();
    return {
      write: (b) => w.write(b),
      commit: async () => {
        await w.ready;
        w.releaseLock();
      },
      abort: () => {},
    };
  }
  const tmp = tempNameFor(path);
  let file: Deno.FsFile;
  try {
    Deno.statSync(dirname(path));
    file = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o644 });
  } catch (err) {
    throw new BerthError(`${what}: cannot write ${path}: ${(err as Error).message}`);
  }
  return {
    async write(b) {
      let off = 0;
      while (off < b.length) off += await file.write(b.subarray(off));
    },
    async commit() {
      await file.sync();
      file.close();
      await Deno.rename(tmp, path);
    },
    abort() {
      try {
        file.close();
      } catch { /* closed */ }
      try {
        Deno.removeSync(tmp);
      } catch { /* gone */ }
    },
  };
}

/** A sink that gathers small writes into 1 MiB blocks before handing them on. */
export function bufferedSink(write: (b: Uint8Array) => Promise<void> | void): {
  sink: (c: Uint8Array) => Promise<void>;
  flush: () => Promise<void>;
} {
  const buf = new Uint8Array(1 << 20);
  let fill = 0;
  const flush = async () => {
    if (fill) await write(buf.slice(0, fill));
    fill = 0;
  };
  const sink = async (c: Uint8Array) => {
    if (c.length >= buf.length) {
      await flush();
      await write(c.slice());
      return;
    }
    if (fill + c.length > buf.length) await flush();
    buf.set(c, fill);
    fill += c.length;
  };
  return { sink, flush };
}

/**
 * Writes one tar archive to `path` (stdout when absent or "-"): `fill` adds the entries; the file
 * appears under its name only when complete.
 */
export async function writeTarArchive(
  path: string | undefined,
  what: string,
  fill: (w: TarWriter) => Promise<void>,
): Promise<void> {
  const out = openArchiveOutput(path, what);
  try {
    const { sink, flush } = bufferedSink((b) => out.write(b));
    const w = new TarWriter(sink);
    await fill(w);
    await w.finish();
    await flush();
    await out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
}
