/**
 * The root's container events as a stream: those the log keeps since `since`, then new ones as berth
 * processes append them, until `until` or `signal`. One reader for `berth events`, the Engine API's
 * `/events` and mod.ts's `Berth.events()`.
 */
import { UsageError } from "../util/errors.ts";
import { parseTimeArg } from "../util/time_arg.ts";
import { allEvents, eventsLogPath, type LoggedEvent, readEvents } from "./events_log.ts";
import { EVENT_FILTERS, eventMatcher } from "./event_view.ts";
import { JsonLinesFollower } from "../util/json_lines.ts";

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
  // opened before the first read: a rotation (events.log → events.log.1) in between or later is
  // followed through it, the old file read to its end first (see JsonLinesFollower)
  const follower = new JsonLinesFollower<LoggedEvent>(eventsLogPath(root));
  try {
    const first = since !== undefined ? allEvents(root) : readEvents(root, 0);
    follower.offset = first.offset;
    let batch = since !== undefined ? first.events.filter((e) => e.time >= since) : [];
    const t0 = performance.now();
    for (;;) {
      for (const e of batch) {
        if (until !== undefined && e.time > until) return;
        if (keep(e)) yield e;
      }
      if (signal?.aborted || (until !== undefined && Date.now() > until)) return;
      await new Promise<void>((r) => {
        const t = setTimeout(r, opts.pollMs?.(performance.now() - t0) ?? 100);
        signal?.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
      });
      batch = follower.read();
    }
  } finally {
    follower.close();
  }
}
