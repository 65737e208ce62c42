/**
 * Pull progress, Docker-style. On a TTY every layer has a live line with a bar, bytes and speed,
 * redrawn in place at most ten times a second; elsewhere each layer prints plain lines when its
 * state changes. Quiet mode prints nothing.
 */
import { humanSize } from "../util/human.ts";

interface Row {
  id: string;
  status: string;
  done: number;
  total: number;
  startedAt: number;
}

const enc = new TextEncoder();
const BAR = 40;

/** One change of the progress, for a listener (the API turns them into Docker's JSON progress messages). */
export interface ProgressEvent {
  /** the layer's short id; none for a line about the whole job */
  id?: string;
  status: string;
  current?: number;
  total?: number;
}

export class Progress {
  #rows: Row[] = [];
  #drawn = 0;
  #last = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly mode: "tty" | "plain" | "quiet",
    private readonly out = Deno.stdout,
    private readonly listener?: (e: ProgressEvent) => void,
  ) {}

  /** No output; every change goes to `listener`. */
  static to(listener: (e: ProgressEvent) => void): Progress {
    return new Progress("quiet", Deno.stdout, listener);
  }

  /** Progress on stdout, as `docker pull` prints it; errors stay alone on stderr. */
  static forStdout(quiet: boolean): Progress {
    return new Progress(quiet ? "quiet" : Deno.stdout.isTerminal() ? "tty" : "plain");
  }

  /** Plain text line (e.g. "Pulling from library/busybox"). */
  say(line: string): void {
    this.listener?.({ status: line });
    if (this.mode === "quiet") return;
    this.#write(`${line}\n`);
    if (this.mode === "tty") this.#drawn = 0; // printed above nothing: redraw rows below it
  }

  add(id: string, status: string, total = 0): void {
    this.#rows.push({ id, status, done: 0, total, startedAt: performance.now() });
    this.listener?.({ id, status, total });
    if (this.mode === "plain") this.#write(`${id}: ${status}\n`);
    this.#render(true);
  }

  update(id: string, status: string, done?: number): void {
    const row = this.#rows.find((r) => r.id === id);
    if (!row) return;
    const changed = row.status !== status;
    if (changed && status === "Downloading") row.startedAt = performance.now();
    row.status = status;
    if (done !== undefined) row.done = done;
    this.listener?.({ id, status, current: row.done, total: row.total });
    if (this.mode === "plain" && changed) this.#write(`${id}: ${status}\n`);
    this.#render(changed);
  }

  /** Stops redrawing; the final state stays on screen. */
  finish(): void {
    clearTimeout(this.#timer);
    this.#render(true);
  }

  #render(force: boolean): void {
    if (this.mode !== "tty") return;
    const now = performance.now();
    if (!force && now - this.#last < 100) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#render(true);
      }, 100);
      return;
    }
    this.#last = now;
    let s = this.#drawn ? `\x1b[${this.#drawn}A` : "";
    for (const r of this.#rows) s += `\x1b[2K${this.#line(r, now)}\n`;
    this.#drawn = this.#rows.length;
    this.#write(s);
  }

  #line(r: Row, now: number): string {
    if (r.status !== "Downloading" || !r.total) return `${r.id}: ${r.status}`;
    const frac = Math.min(1, r.done / r.total);
    const fill = Math.floor(frac * BAR);
    const bar = "=".repeat(Math.max(0, fill - 1)) + (fill ? ">" : "") + " ".repeat(BAR - fill);
    const secs = (now - r.startedAt) / 1000;
    const speed = secs > 0.2 ? `  ${humanSize(r.done / secs)}/s` : "";
    return `${r.id}: ${r.status} [${bar}] ${humanSize(r.done)}/${humanSize(r.total)}${speed}`;
  }

  #write(s: string): void {
    const b = enc.encode(s);
    let off = 0;
    while (off < b.length) off += this.out.writeSync(b.subarray(off));
  }
}
