/**
 * The root's events (./events_log.ts) as Docker shows them — the Engine API's `/events` and `berth events`
 * alike: Docker's event object, its filters (type, container, event, label, image), and its text line.
 */
import type { LoggedEvent } from "./events_log.ts";
import { labelMatches } from "../util/filters.ts";

export const EVENT_FILTERS = ["type", "container", "event", "label", "image"];

/** Docker's shape of an event (with the legacy fields `status`, `id`, `from`). */
export interface DockerEvent {
  status: string;
  id: string;
  from: string;
  Type: "container";
  /** create, start, die, stop, kill, pause, unpause, rename, destroy… */
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  /** Unix seconds */
  time: number;
  timeNano: number;
}

export function dockerEvent(e: LoggedEvent): DockerEvent {
  return {
    status: e.action,
    id: e.id,
    from: e.image,
    Type: "container",
    Action: e.action,
    Actor: { ID: e.id, Attributes: { ...e.attributes, image: e.image, name: e.name } as Record<string, string> },
    scope: "local",
    time: Math.floor(e.time / 1000),
    timeNano: e.time * 1_000_000,
  };
}

/** A test for `KEY=VALUE` filters (keys already checked against {@link EVENT_FILTERS}). */
export function eventMatcher(filters: ReadonlyArray<readonly [string, string]>): (e: LoggedEvent) => boolean {
  const by = (k: string) => filters.filter(([key]) => key === k).map(([, v]) => v);
  return (e) =>
    (!by("type").length || by("type").includes("container")) &&
    (!by("event").length || by("event").includes(e.action)) &&
    (!by("container").length || by("container").some((c) => e.id.startsWith(c) || e.name === c)) &&
    (!by("image").length || by("image").includes(e.image)) &&
    by("label").every((l) => labelMatches(e.attributes, l));
}

/** `docker events`' line: time, type, action, id, then the attributes in name order. */
export function eventLine(e: LoggedEvent): string {
  const attrs = dockerEvent(e).Actor.Attributes;
  const list = Object.keys(attrs).sort().map((k) => `${k}=${attrs[k]}`).join(", ");
  return `${new Date(e.time).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z")} container ${e.action} ${e.id} (${list})`;
}
