/** Debug output on stderr, switched on by `--debug` or `BERTH_DEBUG=1`. */
let enabled = Deno.env.get("BERTH_DEBUG") === "1";

export function setDebug(on: boolean): void {
  enabled = on;
}

export function isDebug(): boolean {
  return enabled;
}

export function debug(...parts: unknown[]): void {
  if (enabled) console.error(`berth[debug] ${performance.now().toFixed(0)}ms:`, ...parts);
}
