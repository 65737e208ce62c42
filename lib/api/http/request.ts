/**
 * An HTTP/1.1 request read from a {@link BufferedConn}: the head (method, target, headers) and a body
 * stream for Content-Length or chunked transfer coding. Malformed input is a {@link BadRequest}.
 */
import type { BufferedConn } from "./buffered_conn.ts";

export class BadRequest extends Error {}

export interface Request {
  method: string;
  /** the path without the `/v1.NN` prefix */
  path: string;
  /** the API version the path asked for ("1.41"), if it did */
  version?: string;
  query: URLSearchParams;
  headers: Headers;
  /** the body (empty for none); reading it is optional, the server drains what is left */
  body: AsyncIterable<Uint8Array>;
  /** whole body as JSON (400 when it is not JSON); `{}` for an empty body */
  json<T = Record<string, unknown>>(): Promise<T>;
  /** set by the server: the client asked for `Expect: 100-continue` and has not been told yet */
  expectContinue: boolean;
  /** the body was read to its end */
  bodyDone: boolean;
  /** the connection's reader: after a hijack, bytes the client sent early are in its buffer */
  reader: BufferedConn;
}

const MAX_HEADERS = 200;
const MAX_JSON = 64 * 1024 * 1024;

/**
 * A signal that fires when the client of a streaming response goes away: its connection reads EOF or
 * fails (a client sends nothing more while it reads a stream, so anything else is the end of it). The
 * connection then closes after the response.
 */
export function clientGone(req: Request, res: { close: boolean }): AbortSignal {
  // a read stays pending on the connection: no further request may be read from it
  res.close = true;
  const ac = new AbortController();
  req.reader.idleMs = 0;
  req.reader.readSome(1).then(() => ac.abort(), () => ac.abort());
  return ac.signal;
}

/** Reads the next request's head; null when the client closed the connection between requests. */
export async function readRequest(conn: BufferedConn, onContinue: () => Promise<void>): Promise<Request | null> {
  let line = await conn.readLine();
  while (line === "") line = await conn.readLine(); // stray CRLF between requests (RFC 9112 §2.2)
  if (line === null) return null;
  const m = line.match(/^([A-Z]+) (\S+) HTTP\/1\.([01])$/);
  if (!m) throw new BadRequest(`malformed request line: ${JSON.stringify(line.slice(0, 100))}`);
  const headers = new Headers();
  for (let n = 0;; n++) {
    const h = await conn.readLine();
    if (h === null) throw new BadRequest("connection closed in the request head");
    if (h === "") break;
    if (n >= MAX_HEADERS) throw new BadRequest("too many headers");
    const i = h.indexOf(":");
    if (i <= 0) throw new BadRequest(`malformed header line: ${JSON.stringify(h.slice(0, 100))}`);
    try {
      headers.append(h.slice(0, i).trim(), h.slice(i + 1).trim());
    } catch {
      throw new BadRequest(`malformed header: ${JSON.stringify(h.slice(0, 100))}`);
    }
  }
  if (m[3] === "0" && !headers.has("connection")) headers.set("connection", "close");
  let url: URL;
  try {
    url = new URL(m[2], "http://berth");
  } catch {
    throw new BadRequest(`malformed request target: ${JSON.stringify(m[2].slice(0, 100))}`);
  }
  const v = url.pathname.match(/^\/v(\d+\.\d+)(\/.*)$/);
  const chunked = /\bchunked\b/i.test(headers.get("transfer-encoding") ?? "");
  const lengthHeader = headers.get("content-length");
  const length = chunked ? -1 : lengthHeader === null ? 0 : Number(lengthHeader);
  if (!chunked && (!Number.isSafeInteger(length) || length < 0)) throw new BadRequest(`bad Content-Length: ${lengthHeader}`);
  let bodyGen: AsyncGenerator<Uint8Array> | undefined;
  const bodyOf = async function* () {
    if (req.expectContinue) {
      req.expectContinue = false;
      await onContinue();
    }
    yield* chunked ? chunkedBody(conn) : fixedBody(conn, length);
    req.bodyDone = true;
  };
  const req: Request = {
    method: m[1],
    path: v ? v[2] : url.pathname,
    version: v?.[1],
    query: url.searchParams,
    headers,
    expectContinue: /100-continue/i.test(headers.get("expect") ?? ""),
    bodyDone: length === 0,
    reader: conn,
    // one reader of the body for the whole request: a loop that stops early (an error, a break) leaves the
    // rest for the next one — the server drains it before the next request
    body: {
      [Symbol.asyncIterator]: () => ({
        next: () => (bodyGen ??= bodyOf()).next(),
        return: () => Promise.resolve({ done: true as const, value: undefined }),
      }),
    },
    async json<T>(): Promise<T> {
      const parts: Uint8Array[] = [];
      let size = 0;
      for await (const c of req.body) {
        size += c.length;
        if (size > MAX_JSON) throw new BadRequest("request body too large for JSON");
        parts.push(c);
      }
      if (!size) return {} as T;
      const all = new Uint8Array(size);
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      try {
        return JSON.parse(new TextDecoder().decode(all)) as T;
      } catch (e) {
        throw new BadRequest(`invalid JSON in the request body: ${(e as Error).message}`);
      }
    },
  };
  return req;
}

async function* fixedBody(conn: BufferedConn, length: number): AsyncGenerator<Uint8Array> {
  for (let left = length; left > 0;) {
    const c = await conn.readSome(Math.min(left, 1 << 20));
    if (!c) throw new BadRequest("connection closed in the request body");
    left -= c.length;
    yield c;
  }
}

async function* chunkedBody(conn: BufferedConn): AsyncGenerator<Uint8Array> {
  for (;;) {
    const sizeLine = await conn.readLine(1024);
    if (sizeLine === null) throw new BadRequest("connection closed in a chunked body");
    const size = parseInt(sizeLine.split(";")[0].trim(), 16);
    if (!Number.isSafeInteger(size) || size < 0 || !/^[0-9a-fA-F]+/.test(sizeLine.trim())) throw new BadRequest(`bad chunk size: ${JSON.stringify(sizeLine.slice(0, 40))}`);
    if (size === 0) {
      // trailers, up to the empty line
      for (;;) {
        const t = await conn.readLine();
        if (t === null || t === "") return;
      }
    }
    for (let left = size; left > 0;) {
      const c = await conn.readSome(left);
      if (!c) throw new BadRequest("connection closed in a chunk");
      left -= c.length;
      yield c;
    }
    if ((await conn.readLine(2)) !== "") throw new BadRequest("chunk not followed by CRLF");
  }
}
