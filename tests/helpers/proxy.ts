/**
 * A misbehaving front for the real test registry, for what a well-behaved registry never does:
 * fail the first try of every request (5xx), or send blobs to another host with a redirect.
 */
import { freePort } from "./registry.ts";

export interface ProxyOptions {
  /** answer the first request for each path with this status */
  failFirst?: number;
  /** demand this Basic credential, and redirect blob GETs to a second server on `localhost` */
  redirectBlobsWithAuth?: { user: string; password: string };
}

export interface Proxy {
  host: string;
  /** Authorization headers the redirect target received (must stay empty) */
  leakedAuth: string[];
  /** requests answered with the injected failure */
  failures: number;
  stop(): Promise<void>;
}

export function startProxy(upstream: string, opts: ProxyOptions): Proxy {
  const ac = new AbortController();
  const seen = new Set<string>();
  const state = { leakedAuth: [] as string[], failures: 0 };
  const forward = async (req: Request, path: string) => {
    const headers = new Headers(req.headers);
    headers.delete("authorization");
    headers.delete("host");
    const r = await fetch(`${upstream}${path}`, { method: req.method, headers, redirect: "manual" });
    return new Response(r.body, { status: r.status, headers: r.headers });
  };
  const targetPort = freePort();
  const target = Deno.serve({ hostname: "127.0.0.1", port: targetPort, signal: ac.signal, onListen() {} }, (req) => {
    const auth = req.headers.get("authorization");
    if (auth) state.leakedAuth.push(auth);
    return forward(req, new URL(req.url).pathname);
  });
  const port = freePort();
  const server = Deno.serve({ hostname: "127.0.0.1", port, signal: ac.signal, onListen() {} }, (req) => {
    const url = new URL(req.url);
    const key = `${req.method} ${url.pathname}`;
    if (opts.failFirst && !seen.has(key)) {
      seen.add(key);
      state.failures++;
      return new Response("try again", { status: opts.failFirst });
    }
    const creds = opts.redirectBlobsWithAuth;
    if (creds) {
      if (req.headers.get("authorization") !== `Basic ${btoa(`${creds.user}:${creds.password}`)}`) {
        return new Response('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}', {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="proxy"', "content-type": "application/json" },
        });
      }
      if (req.method === "GET" && url.pathname.includes("/blobs/")) {
        return new Response(null, { status: 307, headers: { location: `http://localhost:${targetPort}${url.pathname}` } });
      }
    }
    return forward(req, url.pathname);
  });
  return {
    host: `127.0.0.1:${port}`,
    get leakedAuth() {
      return state.leakedAuth;
    },
    get failures() {
      return state.failures;
    },
    async stop() {
      ac.abort();
      await Promise.all([server.finished, target.finished]);
    },
  };
}
