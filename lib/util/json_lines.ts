/**
 * Files of one JSON object per line that other processes append to (container logs, the event log):
 * read whole lines only, so that a line being written is read next time, complete.
 */
const decoder = new TextDecoder();

/** The objects of `text`'s lines; empty and torn lines (a writer killed mid-line) are skipped. */
export function parseJsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch { /* a torn line */ }
  }
  return out;
}

/**
 * The objects of the whole lines from byte `offset` to the file's end, and the offset after the last of
 * them. A file shorter than `offset` was rotated: it is read from its start. A missing file is empty.
 */
export function readJsonLinesFrom<T>(path: string, offset: number): { items: T[]; offset: number } {
  let f: Deno.FsFile;
  try {
    f = Deno.openSync(path, { read: true });
  } catch {
    return { items: [], offset: 0 };
  }
  try {
    return readLinesOf<T>(f, offset);
  } finally {
    f.close();
  }
}

/**
 * Follows such a file through an open descriptor: what was written before the file was removed (a
 * container deleted right after it exited) or rotated away is still read to its end; then a new file
 * at the path is followed from its start.
 */
export class JsonLinesFollower<T> {
  #file: Deno.FsFile | undefined;
  #ino: number | null = null;

  constructor(readonly path: string, public offset = 0) {
    this.#open();
  }

  #open(): boolean {
    try {
      this.#file = Deno.openSync(this.path, { read: true });
      this.#ino = this.#file.statSync().ino;
      return true;
    } catch {
      this.#file = undefined;
      return false;
    }
  }

  /** The objects of the lines written since the last read. */
  read(): T[] {
    if (!this.#file && !this.#open()) return [];
    let r = readLinesOf<T>(this.#file!, this.offset);
    this.offset = r.offset;
    if (!r.items.length) {
      let ino: number | null | undefined;
      try {
        ino = Deno.statSync(this.path).ino;
      } catch { /* removed: keep what is open */ }
      if (ino !== undefined && ino !== this.#ino) {
        this.close();
        if (this.#open()) {
          r = readLinesOf<T>(this.#file!, 0);
          this.offset = r.offset;
        }
      }
    }
    return r.items;
  }

  close(): void {
    try {
      this.#file?.close();
    } catch { /* closed */ }
    this.#file = undefined;
  }
}

function readLinesOf<T>(f: Deno.FsFile, offset: number): { items: T[]; offset: number } {
  {
    const size = f.statSync().size;
    if (size < offset) offset = 0;
    if (size === offset) return { items: [], offset };
    f.seekSync(offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(size - offset);
    let got = 0;
    while (got < buf.length) {
      const n = f.readSync(buf.subarray(got));
      if (!n) break;
      got += n;
    }
    const end = buf.subarray(0, got).lastIndexOf(10) + 1;
    return { items: parseJsonLines<T>(decoder.decode(buf.subarray(0, end))), offset: offset + end };
  }
}
