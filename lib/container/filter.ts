/**
 * `ps --filter` (and the Engine API's container list): the keys Docker users script with — id, name,
 * label, status, exited, ancestor, network, volume, health, before, since, publish, expose.
 */
import { BerthError, NotFoundError } from "../util/errors.ts";
import { type Filters, labelMatches, parseFilters } from "../util/filters.ts";
import { findImage } from "../image/image_lookup.ts";
import { Store } from "../image/store.ts";
import { stateName } from "./describe.ts";
import { findContainer } from "./state.ts";
import type { ContainerRecord } from "./state.ts";

export const CONTAINER_FILTERS = [
  "id", "name", "label", "status", "exited", "ancestor", "network", "volume", "health", "before", "since", "publish", "expose",
] as const;

const STATUSES = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];
const HEALTH = ["starting", "healthy", "unhealthy", "none"];

/** Whether the filters ask for stopped containers by themselves (as `-a` would). */
export const impliesAll = (f: Filters) => f.has("status") || f.has("exited");

/** `PORT[/PROTO]` or `FROM-TO[/PROTO]` against a port and protocol. */
function portMatches(spec: string, port: number, proto: string): boolean {
  const [range, p = ""] = spec.split("/");
  if (p && p !== proto) return false;
  const [lo, hi = lo] = range.split("-").map(Number);
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new BerthError(`invalid filter 'publish=${spec}'`);
  return port >= lo && port <= hi;
}

function nameMatches(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return name.includes(pattern);
  }
}

/** A predicate for `filters` over the root's containers (values checked once, up front). */
export function containerMatcher(root: string, raw: string[] | undefined): { filters: Filters; test: (r: ContainerRecord) => boolean } {
  const f = parseFilters(raw, CONTAINER_FILTERS);
  f.match("status", (v) => {
    if (!STATUSES.includes(v)) throw new BerthError(`invalid filter 'status=${v}'`);
    return true;
  });
  f.match("health", (v) => {
    if (!HEALTH.includes(v)) throw new BerthError(`invalid filter 'health=${v}'`);
    return true;
  });
  f.match("exited", (v) => {
    if (!/^-?\d+$/.test(v)) throw new BerthError(`invalid filter 'exited=${v}'`);
    return true;
  });
  const createdOf = (ref: string) => {
    const rec = findContainer(root, ref);
    if (!rec) throw new NotFoundError(`No such container: ${ref}`);
    return rec.spec.created;
  };
  const before = f.values.get("before")?.map(createdOf);
  const since = f.values.get("since")?.map(createdOf);
  let images: string[] | undefined;
  if (f.has("ancestor")) {
    const index = new Store(root).readIndex();
    images = f.values.get("ancestor")!.map((a) => findImage(index, a)?.id ?? "");
  }
  const ancestors = f.values.get("ancestor") ?? [];
  const test = (r: ContainerRecord): boolean => {
    const { spec, state } = r;
    const nets = [spec.network, ...(state.connected ?? []).map((c) => c.network)];
    const ports = state.network?.ports ?? state.ports ?? spec.ports ?? [];
    return f.match("id", (v) => spec.id.startsWith(v)) &&
      f.match("name", (v) => nameMatches(v.replace(/^\//, ""), spec.name)) &&
      f.matchAll("label", (v) => labelMatches(spec.labels, v)) &&
      f.match("status", (v) => stateName(r) === v) &&
      f.match("exited", (v) => state.status === "exited" && (state.exitCode ?? 0) === Number(v)) &&
      (!images || ancestors.some((a, i) => spec.image === a || (images![i] !== "" && spec.imageId === images![i]))) &&
      f.match("network", (v) => nets.includes(v)) &&
      f.match("volume", (v) => spec.mounts.some((m) => m.source === v || m.destination === v)) &&
      f.match("health", (v) => (state.status === "running" && state.health ? state.health.status : "none") === v) &&
      (!before || before.every((c) => spec.created < c)) &&
      (!since || since.every((c) => spec.created > c)) &&
      f.match("publish", (v) => ports.some((p) => portMatches(v, p.containerPort, p.protocol))) &&
      f.match("expose", (v) => ports.some((p) => portMatches(v, p.containerPort, p.protocol)));
  };
  return { filters: f, test };
}
