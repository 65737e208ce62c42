/** Runs the built `dist/berth` — the file users run — with a test's own root. */
export const BERTH = new URL("../../dist/berth", import.meta.url).pathname;

export interface BerthResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function berth(root: string, args: string[], opts: { stdin?: string | Uint8Array; env?: Record<string, string> } = {}): Promise<BerthResult> {
  const child = new Deno.Command(BERTH, {
    args: ["--root", root, ...args],
    stdin: opts.stdin !== undefined ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: opts.env,
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin);
    await w.close();
  }
  const r = await child.output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** A fresh berth root; remove it with `Deno.remove(root, { recursive: true })`. */
export function tempRoot(): Promise<string> {
  return Deno.makeTempDir({ prefix: "berth-test-root-" });
}
