/**
 * Writeback while a layer is still being unpacked: every {@link BackgroundSync.STEP} bytes, a syncfs on a
 * helper thread (one at a time) flushes what is written so far. The one syncfs that makes a pull's layers
 * durable ({@link commitLayers}) then finds little left to write: on 25,000 small files it took ~200 ms after
 * the unpack, ~20 ms with these (bench/README.md "Pull").
 *
 * A failure is kept and reported at {@link BackgroundSync.close}: the next syncfs, on an fd opened later, would
 * not see a writeback error this one already consumed.
 */
import * as libc from "../ffi/libc.ts";
import { O_DIRECTORY, O_RDONLY } from "../ffi/dir_fd.ts";

export class BackgroundSync {
  static readonly STEP = 16 << 20;
  #fd: number;
  #running: Promise<void> | null = null;
  #failed = false;
  #next = BackgroundSync.STEP;

  /** `dir`: a directory on the filesystem being written */
  constructor(readonly dir: string) {
    this.#fd = libc.open(dir, O_RDONLY | O_DIRECTORY | libc.O_CLOEXEC, 0);
  }

  /** `written`: bytes written so far; starts a syncfs each time another step is passed, unless one runs */
  progress(written: number): void {
    if (written < this.#next || this.#running || this.#fd < 0) return;
    this.#next = written + BackgroundSync.STEP;
    this.#running = libc.syncfsInBackground(this.#fd).then((ok) => {
      if (!ok) this.#failed = true;
      this.#running = null;
    });
  }

  /** Waits for a syncfs still running, closes the fd; throws when a syncfs failed. */
  async close(): Promise<void> {
    if (this.#fd < 0) return;
    await this.#running;
    libc.close(this.#fd);
    this.#fd = -1;
    if (this.#failed) throw new Error(`syncfs of ${this.dir} failed while the layer was written`);
  }
}
