/**
 * Where archives go: a file (written under a temp name, fsynced, renamed when complete, so an
 * interrupted export never leaves a truncated archive under the real name) or stdout.
 */
import { dirname } from "node:path";
import { tempNameFor } from "../util/atomic_write.ts";
import { BerthError } from "../util/errors.ts";

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
