import { allEvents, type LoggedEvent, readEvents } from "../container/events_log.ts";
import { dockerEvent, EVENT_FILTERS, eventLine, eventMatcher } from "../container/event_view.ts";
import { UsageError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";
import { renderFormat } from "./format.ts";

/** Docker's time arguments: a Unix time in seconds, a duration before now (`10m`, `1h30m`), or a date. */
export function eventTime(v: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(v)
    ? [...v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce((ms, [, n, u]) => ms + Number(n) * { ms: 1, s: 1e3, m: 6e4, h: 36e5 }[u]!, 0)
    : undefined;
  if (d !== undefined) return now - d;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`invalid time: ${v} (a Unix time, a duration such as 10m, or a date)`);
  return t;
}

/**
 * `berth events`: the root's container events — those kept since `--since`, then new ones as they come,
 * until `--until` (or Ctrl-C) — as `docker events` prints them, or through `--format`.
 */
export const eventsCommand: Command = {
  name: "events",
  summary: "Get real time events from the server",
  usage: "[OPTIONS]",
  help: [
    "    --since string    show events since a time (Unix seconds, a duration such as 10m, or a date)",
    "    --until string    stream events until this time",
    "-f, --filter filter   type=container, container=NAME|ID, event=ACTION, label=KEY[=VALUE], image=IMAGE",
    "    --format string   json, or a Go template per event ({{.Action}} {{.Actor.Attributes.name}} …)",
  ],
  options: { since: { type: "string" }, until: { type: "string" }, filter: { type: "string", short: "f", multiple: true }, format: { type: "string" } },
  args: [0, 0],
  async run(g, v) {
    const filters = ((v.filter as string[] | undefined) ?? []).map((f) => {
      const i = f.indexOf("=");
      if (i < 1) throw new UsageError(`bad format of filter (expected name=value): ${f}`);
      const k = f.slice(0, i);
      if (!EVENT_FILTERS.includes(k)) throw new UsageError(`invalid filter '${k}'`);
      return [k, f.slice(i + 1)] as const;
    });
    const keep = eventMatcher(filters);
    const since = v.since !== undefined ? eventTime(v.since as string) : undefined;
    const until = v.until !== undefined ? eventTime(v.until as string) : undefined;
    const template = v.format as string | undefined;
    const show = (e: LoggedEvent) => out(template !== undefined ? renderFormat(template, [dockerEvent(e)], {}, () => eventLine(e)) : eventLine(e));
    /** false once past `until` */
    const emit = (list: LoggedEvent[]) => {
      for (const e of list) {
        if (until !== undefined && e.time > until) return false;
        if (keep(e)) show(e);
      }
      return true;
    };
    const first = since !== undefined ? allEvents(g.root) : readEvents(g.root, 0);
    if (since !== undefined && !emit(first.events.filter((e) => e.time >= since))) return 0;
    let offset = first.offset;
    for (;;) {
      if (until !== undefined && Date.now() > until) return 0;
      await new Promise((r) => setTimeout(r, 100));
      const next = readEvents(g.root, offset);
      offset = next.offset;
      if (!emit(next.events)) return 0;
    }
  },
};
