/**
 * A small Bearer token service for tests: checks Basic credentials and signs an RS256 JWT that
 * `docker-registry`'s token auth accepts (the certificate travels in the `x5c` header and is the
 * registry's root bundle).
 */
import { join } from "node:path";
import { freePort } from "./registry.ts";

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certPath: string;
  /** how many tokens were issued */
  issued: number;
  stop(): Promise<void>;
}

const b64url = (b: Uint8Array | string) =>
  btoa(typeof b === "string" ? b : String.fromCharCode(...b)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  const body = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
}

export async function startTokenServer(user: string, password: string): Promise<TokenServer> {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-token-" });
  const keyPath = join(dir, "key.pem");
  const certPath = join(dir, "cert.pem");
  const r = await new Deno.Command("openssl", {
    args: ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=berth-test-token"],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!r.success) throw new Error("openssl failed");
  const key = await crypto.subtle.importKey(
    "pkcs8",
    pemBody(await Deno.readTextFile(keyPath)),
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const certDer = btoa(String.fromCharCode(...pemBody(await Deno.readTextFile(certPath))));
  const port = freePort();
  const service = "berth-test-registry";
  const issuer = "berth-test-issuer";
  const state = { issued: 0 };
  const ac = new AbortController();
  const server = Deno.serve({ hostname: "127.0.0.1", port, signal: ac.signal, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const auth = req.headers.get("authorization") ?? "";
    if (auth !== `Basic ${btoa(`${user}:${password}`)}`) {
      return Response.json({ errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] }, { status: 401 });
    }
    const access = url.searchParams.getAll("scope").map((s) => {
      const [type, name, actions] = s.split(":");
      return { type, name, actions: actions.split(",") };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", typ: "JWT", x5c: [certDer] };
    const claims = {
      iss: issuer,
      sub: user,
      aud: url.searchParams.get("service"),
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: crypto.randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(input)));
    state.issued++;
    return Response.json({ token: `${input}.${b64url(sig)}`, expires_in: 300 });
  });
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPath,
    get issued() {
      return state.issued;
    },
    async stop() {
      ac.abort();
      await server.finished;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
