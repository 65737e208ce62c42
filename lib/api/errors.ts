/** The HTTP status of an error berth's engine threw, as dockerd would answer it. */
import { BerthError, ConflictError, InvalidArgumentError, NotFoundError } from "../util/errors.ts";
import { HttpError } from "./http/server.ts";

export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof InvalidArgumentError) return 400;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  // errors not (yet) of a kind, by their words
  if (err instanceof BerthError) {
    const m = err.message;
    if (/^No such (container|image|object|network|volume)|not found|no such volume|manifest unknown/i.test(m)) return 404;
    if (/conflict|already in use|is running|is not running|is paused|is already|cannot remove|in use by/i.test(m)) return 409;
    if (/^invalid|^bad |must be|expected|out of range/i.test(m)) return 400;
  }
  return 500;
}

/** Docker's `filters` query parameter (`{"status":["running"]}`, or the older `{"label":{"a=b":true}}`) as berth's `key=value` list. */
export function filtersParam(q: URLSearchParams): string[] | undefined {
  const raw = q.get("filters");
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpError(400, `invalid filter: ${raw}`);
  }
  if (!parsed || typeof parsed !== "object") throw new HttpError(400, `invalid filter: ${raw}`);
  const out: string[] = [];
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    const values = Array.isArray(v) ? v : v && typeof v === "object" ? Object.keys(v).filter((x) => (v as Record<string, unknown>)[x]) : [];
    for (const x of values) out.push(`${k}=${x}`);
  }
  return out;
}

/** A boolean query parameter as Docker reads them ("1", "true", "True"). */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}
