/**
 * berth's own HTTP/1.1 server on a `Deno.Listener` (unix socket or loopback TCP). Deno.serve cannot hand
 * a connection over, and the Docker API needs that for attach and exec; so: keep-alive, Content-Length
 * and chunked bodies both ways, HEAD, `Expect: 100-continue`, and hijack.
 *
 * @example
 * ```ts
 * const server = new HttpServer(Deno.listen({ transport: "unix", path: "/tmp/x.sock" }), async (req, res) => {
 *   await res.send(200, { path: req.path });
 * });
 * await server.serve();
 * ```
 */
import { BufferedConn, HeadTooLarge, ReadTimeout } from "./buffered_conn.ts";
import { BadRequest, readRequest, type Request } from "./request.ts";
import { Response } from "./response.ts";
import { messageOf } from "../../util/errors.ts";
import { debug } from "../../util/log.ts";

/** An error with the HTTP status it answers with. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export type Handler = (req: Request, res: Response) => Promise<void>;

export interface ServerOptions {
  /** headers on every response (Server, Api-Version, …) */
  headers?: Record<string, string>;
  /** how long a client may stay silent in the middle of a request or between requests */
  idleMs?: number;
  /** maps an error a handler threw to a status (default: HttpError's, BadRequest 400, else 500) */
  statusOf?: (err: unknown) => number;
  /** called when a connection opens and closes (the service's idle timer) */
  onActive?: (delta: 1 | -1) => void;
}

export class HttpServer {
  #conns = new Set<Deno.Conn>();
  #closed = false;

  constructor(readonly listener: Deno.Listener, readonly handler: Handler, readonly opts: ServerOptions = {}) {}

  /** Accepts until {@link close}. */
  async serve(): Promise<void> {
    try {
      for await (const conn of this.listener) {
        this.#conns.add(conn);
        this.opts.onActive?.(1);
        this.#connection(conn).catch((err) => debug(`api: connection: ${messageOf(err)}`)).finally(() => {
          this.#conns.delete(conn);
          this.opts.onActive?.(-1);
        });
      }
    } catch (err) {
      if (!this.#closed) throw err;
    }
  }

  close(): void {
    this.#closed = true;
    try {
      this.listener.close();
    } catch { /* closed */ }
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* gone */ }
    }
  }

  async #connection(conn: Deno.Conn): Promise<void> {
    const reader = new BufferedConn(conn, this.opts.idleMs ?? 60_000);
    let hijacked = false;
    try {
      for (;;) {
        const res = new Response(conn, false, this.opts.headers ?? {});
        let req: Request | null;
        try {
          req = await readRequest(reader, () => res.continue());
        } catch (err) {
          if (err instanceof BadRequest || err instanceof HeadTooLarge) {
            res.close = true;
            await res.error(400, messageOf(err)).catch(() => {});
          }
          return; // a timeout or a reset between requests: just close
        }
        if (!req) return;
        const r = new Response(conn, req.method === "HEAD", this.opts.headers ?? {});
        r.close = /close/i.test(req.headers.get("connection") ?? "");
        try {
          await this.handler(req, r);
        } catch (err) {
          if (r.sent) {
            // a stream already going: the only way to tell the client is to end the connection
            debug(`api: ${req.method} ${req.path}: ${messageOf(err)}`);
            return;
          }
          const status = err instanceof BadRequest ? 400 : this.opts.statusOf?.(err) ?? (err instanceof HttpError ? err.status : 500);
          await r.error(status, messageOf(err));
        }
        if (r.hijacked) {
          hijacked = true;
          return;
        }
        await r.end();
        if (r.close) return;
        // the next request starts after this one's body: read what the handler left
        if (!req.bodyDone) {
          if (req.expectContinue) return; // the client has not sent the body it was not asked for
          for await (const _ of req.body) { /* drain */ }
        }
      }
    } catch (err) {
      if (!(err instanceof ReadTimeout)) debug(`api: ${messageOf(err)}`);
    } finally {
      if (!hijacked) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
    }
  }
}

export type { Request, Response };
