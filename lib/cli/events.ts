import { eventTime, parseEventFilters, streamEvents } from "../container/event_stream.ts";
import { dockerEvent, eventLine } from "../container/event_view.ts";
import { type Command, out } from "./command.ts";
import { renderFormat } from "./format.ts";

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
    const filters = parseEventFilters((v.filter as string[] | undefined) ?? []);
    const since = v.since !== undefined ? eventTime(v.since as string) : undefined;
    const until = v.until !== undefined ? eventTime(v.until as string) : undefined;
    const template = v.format as string | undefined;
    for await (const e of streamEvents(g.root, { since, until, filters })) {
      out(template !== undefined ? renderFormat(template, [dockerEvent(e)], {}, () => eventLine(e)) : eventLine(e));
    }
    return 0;
  },
};
