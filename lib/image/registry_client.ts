/**
 * A client for the OCI distribution API (Docker Registry v2): `/v2/` ping, Bearer token flow from
 * `WWW-Authenticate`, Basic auth, redirects followed by hand so Authorization never leaks to another
 * host, retries with backoff on 5xx/429 and connection resets, and one-line errors for 401/403/404/429.
 *
 * The state a Worker needs to continue (endpoint, credentials, tokens) is plain data: see
 * {@link RegistryClient.toJSON} and {@link RegistryClient.fromJSON}.
 */
import { BerthError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import type { Credentials } from "./auth_store.ts";
import { isLoopbackRegistry, registryEndpointHost } from "./reference.ts";

export interface RegistryClientState {
  registry: string;
  baseUrl: string;
  credentials?: Credentials;
  tokens: Record<string, string>;
  idleTimeoutMs: number;
}

export interface RegistryClientOptions {
  /** plain HTTP instead of HTTPS (loopback registries always are) */
  insecure?: boolean;
  credentials?: Credentials;
  /** how long a response may send nothing (headers or body) before the request fails */
  idleTimeoutMs?: number;
}

/** Default for `registryIdleTimeout` (seconds, in ROOT/config.json): Docker's dial timeout. */
export const DEFAULT_IDLE_TIMEOUT_S = 30;

/** Why a request was aborted by berth's own idle timer (to tell it from a caller's abort). */
class IdleTimeout extends Error {}

/** Only http(s) is fetched: Deno's fetch would also read `file:` URLs from the host. */
function checkScheme(url: URL, registry: string, what: string): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BerthError(`${registry}: ${what} to unsupported scheme "${url.protocol.replace(/:$/, "")}" refused (only http and https are followed)`);
  }
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string): Challenge {
  const sp = header.indexOf(" ");
  const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of (sp < 0 ? "" : header.slice(sp + 1)).matchAll(re)) {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
  }
  return { scheme, params };
}

const RETRIES = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A registry's error body `{errors:[{code,message}]}` as one line, with the status. */
async function describeError(res: Response): Promise<string> {
  let detail = "";
  try {
    const text = await res.text();
    const body = JSON.parse(text);
    const e = body?.errors?.[0];
    if (e) detail = String(e.message || e.code || "").toLowerCase();
  } catch {
    // not JSON: fall back to the status text
  }
  if (!detail) {
    detail = {
      401: "unauthorized: authentication required",
      403: "denied: requested access to the resource is denied",
      404: "not found",
      429: "too many requests",
    }[res.status] ?? (res.statusText.toLowerCase() || "request failed");
  }
  return `${detail} (${res.status})`;
}

export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  credentials?: Credentials;
  idleTimeoutMs: number;
  #tokens = new Map<string, string>();

  constructor(registry: string, opts: RegistryClientOptions = {}) {
    this.registry = registry;
    const scheme = opts.insecure || isLoopbackRegistry(registry) ? "http" : "https";
    this.baseUrl = `${scheme}://${registryEndpointHost(registry)}`;
    this.credentials = opts.credentials;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_S * 1000;
  }

  toJSON(): RegistryClientState {
    return {
      registry: this.registry,
      baseUrl: this.baseUrl,
      credentials: this.credentials,
      tokens: Object.fromEntries(this.#tokens),
      idleTimeoutMs: this.idleTimeoutMs,
    };
  }

  static fromJSON(s: RegistryClientState): RegistryClient {
    const c = new RegistryClient(s.registry);
    (c as { baseUrl: string }).baseUrl = s.baseUrl;
    c.credentials = s.credentials;
    c.idleTimeoutMs = s.idleTimeoutMs;
    for (const [k, v] of Object.entries(s.tokens)) c.#tokens.set(k, v);
    return c;
  }

  /** GET /v2/: checks the registry speaks the API and that the credentials (if any) are accepted. */
  async ping(): Promise<void> {
    const res = await this.request("GET", "/v2/", { scope: "" });
    await res.body?.cancel();
    if (!res.ok) throw new BerthError(`${this.registry}: ${await describeError(res)}`);
  }

  /**
   * An authenticated request to `path` (below the base URL) with retries. `scope` is the token
   * scope, e.g. `repository:library/busybox:pull`. The caller reads or cancels the body.
   */
  async request(
    method: string,
    path: string,
    opts: { scope: string; headers?: Record<string, string>; body?: BodyInit; signal?: AbortSignal },
  ): Promise<Response> {
    let authTried = false;
    for (let attempt = 0;; attempt++) {
      let res: Response;
      try {
        res = await this.#send(method, `${this.baseUrl}${path}`, opts);
      } catch (err) {
        if (opts.signal?.aborted || err instanceof BerthError) throw err;
        if (attempt + 1 >= RETRIES || opts.body) throw this.#networkError(err);
        debug(`retry ${method} ${path} after`, err);
        await sleep(200 * 2 ** attempt);
        continue;
      }
      if (res.status === 401 && !authTried) {
        authTried = true;
        const challenge = res.headers.get("www-authenticate");
        if (challenge && await this.#authenticate(parseChallenge(challenge), opts.scope)) {
          await res.body?.cancel();
          attempt--;
          continue;
        }
        return res; // nothing to answer the challenge with: the caller reports the 401
      }
      if ((res.status >= 500 || res.status === 429) && attempt + 1 < RETRIES && !opts.body) {
        const retryAfter = Number(res.headers.get("retry-after"));
        await res.body?.cancel();
        debug(`retry ${method} ${path} after status ${res.status}`);
        await sleep(retryAfter > 0 ? Math.min(retryAfter, 10) * 1000 : 200 * 2 ** attempt);
        continue;
      }
      return res;
    }
  }

  /** Throws a one-line error for a non-OK response. */
  async fail(what: string, res: Response): Promise<never> {
    throw new BerthError(`${what}: ${await describeError(res)}`);
  }

  #networkError(err: unknown): BerthError {
    const msg = err instanceof Error ? err.message : String(err);
    const hint = this.baseUrl.startsWith("https:") && /http\/1|InvalidContentType|corrupt message|wrong version/i.test(msg)
      ? " (is it a plain-HTTP registry? use --insecure-registry)"
      : "";
    return new BerthError(`${this.registry}: cannot reach registry: ${msg.split("\n")[0]}${hint}`);
  }

  /** Sends one request, following redirects by hand; Authorization only goes to the registry's own host. */
  async #send(
    method: string,
    url: string,
    opts: { scope: string; headers?: Record<string, string>; body?: BodyInit; signal?: AbortSignal },
  ): Promise<Response> {
    const origin = new URL(this.baseUrl).host;
    let target = new URL(url);
    let m = method;
    for (let hop = 0; hop < 10; hop++) {
      const headers = new Headers(opts.headers);
      if (target.host === origin) {
        const auth = this.#authorization(opts.scope);
        if (auth) headers.set("authorization", auth);
      }
      const res = await this.#fetchWithIdleTimeout(target, {
        method: m,
        headers,
        body: hop === 0 ? opts.body : undefined,
        redirect: "manual",
      }, opts.signal);
      if (res.status >= 300 && res.status < 400 && res.headers.has("location")) {
        await res.body?.cancel();
        target = new URL(res.headers.get("location")!, target);
        checkScheme(target, this.registry, "redirect");
        if (res.status === 303) m = "GET";
        debug(`redirect to ${target.host}`);
        continue;
      }
      return res;
    }
    throw new BerthError(`${this.registry}: too many redirects`);
  }

  /**
   * fetch with berth's idle timeout: the headers, then every chunk of the body, must come within
   * {@link idleTimeoutMs} of the last, or the request fails with a message that says so.
   */
  async #fetchWithIdleTimeout(url: URL, init: RequestInit, signal?: AbortSignal): Promise<Response> {
    const ac = new AbortController();
    const secs = Math.round(this.idleTimeoutMs / 100) / 10;
    const stalled = (what: string) =>
      new BerthError(`${this.registry}: ${what} stalled: nothing received for ${secs} s (registryIdleTimeout in ROOT/config.json)`);
    const onAbort = () => ac.abort(signal!.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    // a request with a body gets the time to send it too, at a floor of 64 KiB/s, before its answer is due
    const bodyBytes = init.body instanceof Uint8Array ? init.body.length : 0;
    let timer = setTimeout(() => ac.abort(new IdleTimeout()), this.idleTimeoutMs + Math.ceil(bodyBytes / 64));
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: ac.signal });
    } catch (err) {
      if (ac.signal.reason instanceof IdleTimeout) throw stalled(`${init.method} ${url.pathname}`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (!res.body || [101, 204, 205, 304].includes(res.status)) {
      signal?.removeEventListener("abort", onAbort);
      return res;
    }
    const reader = res.body.getReader();
    const idle = this.idleTimeoutMs;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        timer = setTimeout(() => ac.abort(new IdleTimeout()), idle);
        try {
          const { value, done } = await reader.read();
          if (done) {
            signal?.removeEventListener("abort", onAbort);
            controller.close();
          } else controller.enqueue(value);
        } catch (err) {
          signal?.removeEventListener("abort", onAbort);
          controller.error(ac.signal.reason instanceof IdleTimeout ? stalled(`download of ${url.pathname}`) : err);
        } finally {
          clearTimeout(timer);
        }
      },
      cancel(reason) {
        signal?.removeEventListener("abort", onAbort);
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }

  #authorization(scope: string): string | undefined {
    return this.#tokens.get(scope) ?? this.#tokens.get("*basic*");
  }

  /** Answers a 401 challenge; returns true when a retry with new credentials makes sense. */
  async #authenticate(ch: Challenge, scope: string): Promise<boolean> {
    if (ch.scheme === "basic") {
      if (!this.credentials) return false;
      this.#tokens.set("*basic*", `Basic ${btoa(`${this.credentials.username}:${this.credentials.password}`)}`);
      return true;
    }
    if (ch.scheme !== "bearer" || !ch.params.realm) return false;
    let url: URL;
    try {
      url = new URL(ch.params.realm);
    } catch {
      throw new BerthError(`${this.registry}: token realm ${JSON.stringify(ch.params.realm)} is not a URL`);
    }
    checkScheme(url, this.registry, "token realm");
    if (ch.params.service) url.searchParams.set("service", ch.params.service);
    const wanted = scope || ch.params.scope;
    // several scopes (a cross-repository mount needs two) go as several scope parameters
    for (const s of (wanted ?? "").split(" ").filter(Boolean)) url.searchParams.append("scope", s);
    const headers = new Headers();
    if (this.credentials) {
      headers.set("authorization", `Basic ${btoa(`${this.credentials.username}:${this.credentials.password}`)}`);
    }
    let res: Response;
    try {
      res = await this.#fetchWithIdleTimeout(url, { method: "GET", headers, redirect: "manual" });
    } catch (err) {
      if (err instanceof BerthError) throw err;
      throw new BerthError(`${this.registry}: token service ${url.host} unreachable: ${(err as Error).message}`);
    }
    if (!res.ok) {
      throw new BerthError(`${this.registry}: token service refused: ${await describeError(res)}`);
    }
    let body: { token?: string; access_token?: string };
    try {
      body = await res.json();
    } catch {
      throw new BerthError(`${this.registry}: token service sent no JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new BerthError(`${this.registry}: token service sent no token`);
    this.#tokens.set(scope, `Bearer ${token}`);
    return true;
  }
}
