/**
 * Docker's time arguments (`--since` and `--until` of `logs` and `events`, and the client's): Unix seconds
 * (`1700000000`, `1700000000.5`), a Go duration back from now (`10m`, `1h30m`, `1.5h`, `300ms`), or a date
 * (RFC 3339, `2026-12-01`). One grammar for all of them, as Docker's `GetTimestamp`.
 *
 * @example
 * ```ts
 * import { parseTimeArg } from "./time_arg.ts";
 * console.log(parseTimeArg("90s", "since", 100_000)); // 10000
 * ```
 */
import { UsageError } from "./errors.ts";

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1e3, m: 6e4, h: 36e5 };
const DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;

/** The time `v` names, in ms since the epoch; `flag` names the option in the error. */
export function parseTimeArg(v: string, flag: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (DURATION.test(v)) {
    let ms = 0;
    for (const [, n, unit] of v.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[unit];
    return now - ms;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`invalid value for "${flag}": failed to parse value as time or duration: "${v}"`);
  return t;
}
