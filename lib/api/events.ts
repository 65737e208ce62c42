/**
 * `/events`: container events (create, start, die, pause, unpause, destroy, rename) as dockerd sends them,
 * with the legacy fields. berth has no daemon that sees every change as it happens — the CLI changes
 * records directly — so the service watches the records (every 200 ms while someone listens) and
 * turns what changed into events; the last 1,000 are kept for `since`.
 */
import { listRecords } from "../container/state.ts";
import type { ContainerRecord } from "../container/state.ts";
import { labelMatches } from "../util/filters.ts";
import { filtersParam } from "./errors.ts";
import { HttpError } from "./http/server.ts";
import { clientGone } from "./http/request.ts";
import type { Router } from "./router.ts";

export interface EngineEvent {
  status: string;
  id: string;
  from: string;
  Type: "container";
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  time: number;
  timeNano: number;
}

interface Seen {
  status: string;
  startedAt?: string;
  finishedAt?: string;
  paused: boolean;
  name: string;
  rec: ContainerRecord;
}

const FILTERS = ["type", "container", "event", "label", "image"];

export class EventWatcher {
  #seen = new Map<string, Seen>();
  #history: EngineEvent[] = [];
  #listeners = new Set<(e: EngineEvent) => void>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly root: string) {
    this.#scan(false); // the state at start: no events for what already existed
  }

  #emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    const nano = BigInt(Date.now()) * 1_000_000n;
    const e: EngineEvent = {
      status: action,
      id: rec.spec.id,
      from: rec.spec.image,
      Type: "container",
      Action: action,
      Actor: { ID: rec.spec.id, Attributes: { ...(rec.spec.labels ?? {}), image: rec.spec.image, name: rec.spec.name, ...extra } },
      scope: "local",
      time: Number(nano / 1_000_000_000n),
      timeNano: Number(nano),
    };
    this.#history.push(e);
    if (this.#history.length > 1000) this.#history.shift();
    for (const l of this.#listeners) l(e);
  }

  #scan(emit = true): void {
    const now = new Map<string, Seen>();
    for (const rec of listRecords(this.root)) {
      const s: Seen = { status: rec.state.status, startedAt: rec.state.startedAt, finishedAt: rec.state.finishedAt, paused: !!rec.state.paused, name: rec.spec.name, rec };
      now.set(rec.spec.id, s);
      if (!emit) continue;
      const before = this.#seen.get(rec.spec.id);
      if (!before) this.#emit(rec, "create");
      if (before && before.name !== s.name) this.#emit(rec, "rename", { oldName: `/${before.name}` });
      if (s.startedAt && s.startedAt !== before?.startedAt) this.#emit(rec, "start");
      if (!s.paused && before?.paused) this.#emit(rec, "unpause");
      if (s.paused && !before?.paused) this.#emit(rec, "pause");
      if (s.status !== "running" && s.finishedAt && s.finishedAt !== before?.finishedAt) {
        this.#emit(rec, "die", { exitCode: String(rec.state.exitCode ?? 0) });
      }
    }
    if (emit) {
      for (const [id, s] of this.#seen) {
        if (now.has(id)) continue;
        if (s.status === "running") this.#emit(s.rec, "die", { exitCode: String(s.rec.state.exitCode ?? 0) });
        this.#emit(s.rec, "destroy");
      }
    }
    this.#seen = now;
  }

  /** Calls `fn` for every event from now on (and the kept ones since `since`, ms); returns the unsubscribe. */
  subscribe(fn: (e: EngineEvent) => void, sinceMs?: number): () => void {
    if (sinceMs !== undefined) for (const e of this.#history) if (e.timeNano / 1e6 >= sinceMs) fn(e);
    this.#listeners.add(fn);
    this.#timer ??= setInterval(() => this.#scan(), 200);
    return () => {
      this.#listeners.delete(fn);
      if (!this.#listeners.size) {
        clearInterval(this.#timer);
        this.#timer = undefined;
        this.#scan(false);
      }
    };
  }
}

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
  let watcher: EventWatcher | undefined;
  router.add("GET", "/events", async (req, res) => {
    const filters = (filtersParam(req.query) ?? []).map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)] as const);
    for (const [k] of filters) if (!FILTERS.includes(k)) throw new HttpError(400, `invalid filter '${k}'`);
    const by = (k: string) => filters.filter(([key]) => key === k).map(([, v]) => v);
    const keep = (e: EngineEvent) =>
      (!by("type").length || by("type").includes(e.Type)) &&
      (!by("event").length || by("event").includes(e.Action)) &&
      (!by("container").length || by("container").some((c) => e.id.startsWith(c) || e.Actor.Attributes.name === c)) &&
      (!by("image").length || by("image").includes(e.from)) &&
      by("label").every((l) => labelMatches(e.Actor.Attributes, l));
    const since = timeParam(req.query, "since"), until = timeParam(req.query, "until");
    watcher ??= new EventWatcher(root);
    res.header("content-type", "application/json");
    await res.start(200);
    const queue: EngineEvent[] = [];
    let wake: (() => void) | undefined;
    const off = watcher.subscribe((e) => {
      if (!keep(e)) return;
      queue.push(e);
      wake?.();
    }, since);
    const gone = clientGone(req, res);
    gone.addEventListener("abort", () => wake?.());
    try {
      while (!gone.aborted) {
        while (queue.length) {
          const e = queue.shift()!;
          if (until !== undefined && e.timeNano / 1e6 > until) return;
          await res.writeJson(e);
        }
        if (until !== undefined && Date.now() > until) return;
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, until !== undefined ? Math.max(0, Math.min(1000, until - Date.now())) : 1000);
        });
      }
    } finally {
      off();
    }
  });
}
