/** One HTTP/1.1 request to the API's unix socket, on its own connection (Connection: close). */
export interface ApiResponse {
  status: number;
  headers: Headers;
  /** the body, de-chunked */
  text: string;
  /** the body parsed as JSON (undefined when it is not JSON) */
  json: unknown;
}

const enc = new TextEncoder(), dec = new TextDecoder();

function dechunk(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const eol = bytes.indexOf(10, at);
    if (eol < 0) break;
    const size = parseInt(dec.decode(bytes.subarray(at, eol)).trim(), 16);
    if (!size) break;
    parts.push(bytes.subarray(eol + 1, eol + 1 + size));
    at = eol + 1 + size + 2;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
}

export async function apiRequest(socket: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const c = await Deno.connect({ transport: "unix", path: socket });
  try {
    const data = body === undefined ? undefined : enc.encode(JSON.stringify(body));
    const head = `${method} /v1.41${path} HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n` +
      (data ? `Content-Type: application/json\r\nContent-Length: ${data.length}\r\n` : "") + "\r\n";
    await c.write(enc.encode(head));
    if (data) for (let o = 0; o < data.length;) o += await c.write(data.subarray(o));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (let n; (n = await c.read(buf)) !== null;) chunks.push(buf.slice(0, n));
    const all = new Uint8Array(chunks.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of chunks) all.set(p, (o += p.length) - p.length);
    const split = all.findIndex((_, i) => all[i] === 13 && all[i + 1] === 10 && all[i + 2] === 13 && all[i + 3] === 10);
    const [statusLine, ...lines] = dec.decode(all.subarray(0, split)).split("\r\n");
    const headers = new Headers(lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()] as [string, string]));
    let rest: Uint8Array = all.subarray(split + 4);
    if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) rest = dechunk(rest);
    const text = dec.decode(rest);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch { /* not JSON */ }
    return { status: Number(statusLine.split(" ")[1]), headers, text, json };
  } finally {
    c.close();
  }
}
