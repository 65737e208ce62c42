/**
 * The root's container events as a stream: those the log keeps since `since`, then new ones as berth
 * processes append them, until `until` or `signal`. One reader for `berth events`, the Engine API's
 * `/events` and mod.ts's `Berth.events()`.
 */
import { UsageError } from "../util/errors.ts";
import { parseTimeArg } from "../util/time_arg.ts";
import { allEvents, eventsLogPath, type LoggedEvent, readEvents } from "./events_log.ts";
import { EVENT_FILTERS, eventMatcher } from "./event_view.ts";
import { readJsonLinesFrom } from "../util/json_lines.ts";

export interface EventStreamOptions {
  /** ms since the epoch: replay the kept events from then (default: only new ones) */
  since?: number;
  /** ms since the epoch: the stream ends there (at once, if it has passed) */
  until?: number;
  /** Docker's filters as [key, value] pairs: type, container, event, label, image */
  filters?: ReadonlyArray<readonly [string, string]>;
  /** ends the stream */
  signal?: AbortSignal;
  /** the wait between looks at the log, by ms since the start (default 100) */
  pollMs?: (sinceStart: number) => number;
}

/** `--since`/`--until` of events (see {@link parseTimeArg}). */
export const eventTime = (v: string, now = Date.now()): number => parseTimeArg(v, "since", now);

/** `KEY=VALUE` filter strings as pairs, the keys checked. */
export function parseEventFilters(list: string[]): [string, string][] {
  return list.map((f) => {
    const i = f.indexOf("=");
    if (i < 1) throw new UsageError(`bad format of filter (expected name=value): ${f}`);
    const k = f.slice(0, i);
    if (!EVENT_FILTERS.includes(k)) throw new UsageError(`invalid filter '${k}'`);
    return [k, f.slice(i + 1)];
  });
}

/**
 * The events, oldest first, filtered.
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * for await (const e of streamEvents("/var/lib/berth", { since: Date.now() - 60_000, signal: ac.signal })) {
 *   console.log(e.action, e.name);
 * }
 * ```
 */
export async function* streamEvents(root: string, opts: EventStreamOptions = {}): AsyncGenerator<LoggedEvent> {
  for (const [k] of opts.filters ?? []) if (!EVENT_FILTERS.includes(k)) throw new UsageError(`invalid filter '${k}'`);
  const keep = eventMatcher(opts.filters ?? []);
  const { since, until, signal } = opts;
  const first = since !== undefined ? allEvents(root) : readEvents(root, 0);
  let offset = first.offset;
  if (since !== undefined) {
    for (const e of first.events) {
      if (e.time < since) continue;
      if (until !== undefined && e.time > until) return;
      if (keep(e)) yield e;
    }
  }
  const t0 = performance.now();
  while (!signal?.aborted) {
    if (until !== undefined && Date.now() > until) return;
    await new Promise<void>((r) => {
      const t = setTimeout(r, opts.pollMs?.(performance.now() - t0) ?? 100);
      signal?.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
    });
    const next = readAfter(root, offset);
    offset = next.offset;
    for (const e of next.events) {
      if (until !== undefined && e.time > until) return;
      if (keep(e)) yield e;
    }
  }
}

/** The events after `offset`; when the log was rotated meanwhile, the rest of the old one first. */
function readAfter(root: string, offset: number): { events: LoggedEvent[]; offset: number } {
  let size = 0;
  try {
    size = Deno.statSync(eventsLogPath(root)).size;
  } catch { /* no log yet */ }
  if (size >= offset) return readEvents(root, offset);
  const older = readJsonLinesFrom<LoggedEvent>(`${eventsLogPath(root)}.1`, offset).items;
  const now = readEvents(root, 0);
  return { events: [...older, ...now.events], offset: now.offset };
}
