/**
 * The answer to one request: a status and headers, then either a whole body, a chunked stream flushed
 * per write (progress, logs, events), or the raw connection (`hijack`, for attach and exec).
 */
const encoder = new TextEncoder();

const REASONS: Record<number, string> = {
  100: "Continue", 101: "UPGRADED", 200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified",
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
  500: "Internal Server Error", 501: "Not Implemented",
};

export class Response {
  #headers = new Headers();
  #sent = false;
  #chunked = false;
  #done = false;
  /** the connection goes after this response (the client asked, or the body could not be delimited) */
  close = false;
  hijacked = false;

  constructor(readonly conn: Deno.Conn, readonly head: boolean, baseHeaders: Record<string, string>) {
    for (const [k, v] of Object.entries(baseHeaders)) this.#headers.set(k, v);
  }

  get sent(): boolean {
    return this.#sent;
  }

  get done(): boolean {
    return this.#done;
  }

  header(name: string, value: string): this {
    this.#headers.set(name, value);
    return this;
  }

  async #write(bytes: Uint8Array): Promise<void> {
    for (let o = 0; o < bytes.length;) o += await this.conn.write(bytes.subarray(o));
  }

  async #head(status: number, extra: string[] = []): Promise<void> {
    if (this.#sent) throw new Error("response already started");
    this.#sent = true;
    if (this.close) this.#headers.set("connection", "close");
    const lines = [`HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}`];
    this.#headers.forEach((v, k) => lines.push(`${k}: ${v}`));
    await this.#write(encoder.encode([...lines, ...extra, "", ""].join("\r\n")));
  }

  /** A whole response (a string or bytes; an object becomes JSON). */
  async send(status: number, body?: string | Uint8Array | unknown): Promise<void> {
    let bytes: Uint8Array = new Uint8Array(0);
    if (typeof body === "string") bytes = encoder.encode(body);
    else if (body instanceof Uint8Array) bytes = body;
    else if (body !== undefined) {
      bytes = encoder.encode(JSON.stringify(body) + "\n");
      if (!this.#headers.has("content-type")) this.#headers.set("content-type", "application/json");
    }
    if (status === 204 || status === 304) bytes = new Uint8Array(0);
    else this.#headers.set("content-length", String(bytes.length));
    await this.#head(status);
    if (!this.head && bytes.length) await this.#write(bytes);
    this.#done = true;
  }

  /** Starts a chunked body: headers go out at once (a client waiting on them, like `wait`, sees them). */
  async start(status = 200): Promise<void> {
    this.#chunked = true;
    this.#headers.set("transfer-encoding", "chunked");
    await this.#head(status);
  }

  /** One chunk, flushed. */
  async write(data: string | Uint8Array): Promise<void> {
    if (!this.#chunked) throw new Error("write() before start()");
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    if (!bytes.length || this.head) return;
    await this.#write(encoder.encode(`${bytes.length.toString(16)}\r\n`));
    await this.#write(bytes);
    await this.#write(encoder.encode("\r\n"));
  }

  /** A JSON message of a stream (progress, events, stats): one object per line. */
  writeJson(obj: unknown): Promise<void> {
    return this.write(JSON.stringify(obj) + "\n");
  }

  async end(): Promise<void> {
    if (this.#done) return;
    if (this.#chunked && !this.head) await this.#write(encoder.encode("0\r\n\r\n"));
    this.#done = true;
  }

  /**
   * Takes the raw connection after `101 UPGRADED` (when the client asked to upgrade) or `200` with a raw
   * stream (older clients): the caller owns the connection from here.
   */
  async hijack(upgrade: boolean, contentType: string): Promise<Deno.Conn> {
    this.hijacked = true;
    this.#headers.set("content-type", contentType);
    if (upgrade) {
      this.#headers.set("connection", "Upgrade");
      this.#headers.set("upgrade", "tcp");
      await this.#head(101);
    } else await this.#head(200);
    this.#done = true;
    // a client that parses the head through a buffered reader (docker-py, through urllib3) keeps the bytes
    // that came with it and loses them when it switches to the raw socket: the stream starts a moment later
    await new Promise((r) => setTimeout(r, 10));
    return this.conn;
  }

  /** `{"message": …}` with `status`, as Docker's daemon answers errors. */
  error(status: number, message: string): Promise<void> {
    return this.send(status, { message });
  }

  /** `100 Continue`, for a client that waits for it before sending the body. */
  async continue(): Promise<void> {
    if (!this.#sent) await this.#write(encoder.encode("HTTP/1.1 100 Continue\r\n\r\n"));
  }
}
