/**
 * A connection read through one buffer: lines for the request head, exact byte counts and chunks for
 * bodies, and whatever is left in the buffer when a connection is hijacked. Every read waits at most
 * `idleMs` (a client that stops sending is dropped, never waited on forever).
 */
export class ReadTimeout extends Error {}
export class HeadTooLarge extends Error {}

export class BufferedConn {
  #buf = new Uint8Array(16384);
  #start = 0;
  #end = 0;
  #eof = false;

  /** `idleMs` 0: no limit (a hijacked stream may be quiet for as long as its container is) */
  constructor(readonly conn: Deno.Conn, public idleMs = 60_000) {}

  /** bytes read from the socket and not consumed yet */
  get buffered(): Uint8Array {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /** reads more into the buffer; false at end of stream */
  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    if (this.#start > 0 && this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length) {
      if (this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      } else {
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf);
        this.#buf = bigger;
      }
    }
    let n: number | null;
    if (this.idleMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      n = await Promise.race([
        this.conn.read(this.#buf.subarray(this.#end)),
        new Promise<never>((_, reject) => timer = setTimeout(() => reject(new ReadTimeout("read timed out")), this.idleMs)),
      ]).finally(() => clearTimeout(timer));
    } else n = await this.conn.read(this.#buf.subarray(this.#end));
    if (n === null) {
      this.#eof = true;
      return false;
    }
    this.#end += n;
    return true;
  }

  /** One line without its CRLF (or LF); null at end of stream before any byte. */
  async readLine(max = 65536): Promise<string | null> {
    // how far past #start has been searched (relative: a fill may move the buffered bytes)
    for (let searched = 0;;) {
      const i = this.#buf.subarray(this.#start + searched, this.#end).indexOf(10);
      if (i >= 0) {
        const lineEnd = this.#start + searched + i;
        const line = this.#buf.subarray(this.#start, lineEnd > this.#start && this.#buf[lineEnd - 1] === 13 ? lineEnd - 1 : lineEnd);
        this.#start = lineEnd + 1;
        return decoder.decode(line);
      }
      searched = this.#end - this.#start;
      if (searched > max) throw new HeadTooLarge("request head too large");
      if (!(await this.#fill())) {
        if (this.#start === this.#end) return null;
        throw new Deno.errors.UnexpectedEof("connection closed in the middle of a line");
      }
    }
  }

  /** Up to `max` bytes (at least one); null at end of stream. */
  async readSome(max: number): Promise<Uint8Array | null> {
    if (this.#start === this.#end && !(await this.#fill())) return null;
    const n = Math.min(max, this.#end - this.#start);
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }
}

const decoder = new TextDecoder();
