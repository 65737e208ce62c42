/**
 * `/events`: container events as dockerd sends them (with the legacy fields), from the root's event
 * log (lib/container/events_log.ts), which every berth process appends to — so a container the CLI ran,
 * or one that lived a millisecond, is in the stream too. `since` replays what the log keeps; `until` ends
 * the stream; filters: type, container, event, label, image.
 */
import { streamEvents } from "../container/event_stream.ts";
import { dockerEvent, EVENT_FILTERS } from "../container/event_view.ts";
import { filtersParam } from "./errors.ts";
import { HttpError } from "./http/server.ts";
import { clientGone } from "./http/request.ts";
import type { Router } from "./router.ts";
import { backoffMs } from "./poll.ts";

function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return n * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError(400, `invalid value for "${name}": ${v}`);
  return t;
}

export function eventRoutes(router: Router, root: string): void {
  router.add("GET", "/events", async (req, res) => {
    const filters = (filtersParam(req.query) ?? []).map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)] as const);
    for (const [k] of filters) if (!EVENT_FILTERS.includes(k)) throw new HttpError(400, `invalid filter '${k}'`);
    const since = timeParam(req.query, "since"), until = timeParam(req.query, "until");
    res.header("content-type", "application/json");
    await res.start(200);
    const gone = clientGone(req, res);
    for await (const e of streamEvents(root, { since, until, filters, signal: gone, pollMs: backoffMs })) await res.writeJson(dockerEvent(e));
  });
}
