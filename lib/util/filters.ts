/**
 * `--filter KEY=VALUE` as Docker reads it: values of one key are alternatives (OR), different keys must all
 * match (AND), and a key the command does not know is an error — never "matches everything", which turned
 * `rm -f $(berth ps -aq --filter label=x)` into "remove every container".
 *
 * @example
 * ```ts
 * const f = parseFilters(["status=exited", "label=app"], ["status", "label"]);
 * f.match("status", (v) => v === "exited"); // true when no status filter, or one of them matches
 * ```
 */
import { BerthError } from "../util/errors.ts";

export class Filters {
  constructor(readonly values: Map<string, string[]>) {}

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** true when `key` is not filtered on, or `pred` holds for one of its values */
  match(key: string, pred: (value: string) => boolean): boolean {
    const vs = this.values.get(key);
    return !vs || vs.some(pred);
  }

  /** true when `key` is not filtered on, or `pred` holds for all of its values (labels: AND, as Docker) */
  matchAll(key: string, pred: (value: string) => boolean): boolean {
    const vs = this.values.get(key);
    return !vs || vs.every(pred);
  }
}

/** Parses `--filter` values; `allowed` lists the keys the command knows. */
export function parseFilters(raw: string[] | undefined, allowed: readonly string[]): Filters {
  const out = new Map<string, string[]>();
  for (const f of raw ?? []) {
    const i = f.indexOf("=");
    if (i <= 0) throw new BerthError(`bad format of filter (expected name=value): ${f}`);
    const key = f.slice(0, i).trim().toLowerCase();
    if (!allowed.includes(key)) throw new BerthError(`invalid filter '${key}'`);
    out.set(key, [...(out.get(key) ?? []), f.slice(i + 1)]);
  }
  return new Filters(out);
}

/** `label=KEY` (the label is set) or `label=KEY=VALUE` (set to VALUE), against `labels`. */
export function labelMatches(labels: Record<string, string> | undefined, spec: string): boolean {
  const i = spec.indexOf("=");
  const key = i < 0 ? spec : spec.slice(0, i);
  if (!labels || !Object.hasOwn(labels, key)) return false;
  return i < 0 || labels[key] === spec.slice(i + 1);
}

/** `true`/`false` (and `1`/`0`) for keys such as `dangling`. */
export function boolFilter(key: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new BerthError(`invalid filter '${key}=${value}'`);
}

/** Docker's glob for `reference=`: `*` within a path component, `?` one character. */
export function globMatches(glob: string, s: string): boolean {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  return new RegExp(`^${re}$`).test(s);
}
