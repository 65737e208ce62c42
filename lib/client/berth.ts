/**
 * The client object of mod.ts: `new Berth({ root })` with `containers`, `images`, `networks`, `volumes` and
 * `events()` — the shape of dockerode and docker-py — over the engine functions the CLI uses, in this
 * process (no daemon). Errors are typed: `NotFoundError`, `ConflictError`, `InvalidArgumentError`, each
 * a `BerthError` with Docker's exit code.
 */
import { defaultRoot } from "../rootless/paths.ts";
import { type EventStreamOptions, eventTime, streamEvents } from "../container/event_stream.ts";
import { type DockerEvent, dockerEvent } from "../container/event_view.ts";
import { Containers } from "./containers.ts";
import { Images } from "./images.ts";
import { Networks } from "./networks.ts";
import { Volumes } from "./volumes.ts";
import type { ClientContext } from "./context.ts";
import { resetRoot } from "../container/reset.ts";

export interface BerthOptions {
  /** the root berth keeps everything in (default: the CLI's — /var/lib/berth, or an ordinary user's ~/.local/share/berth) */
  root?: string;
  /** registries spoken to over plain HTTP */
  insecureRegistries?: string[];
}

/** A moment as `events()` takes it: a Date, ms since the epoch, or Docker's text (Unix seconds, `10m`, a date). */
export type Moment = Date | number | string;

export interface EventsOptions {
  /** replay the kept events from then (default: only new ones) */
  since?: Moment;
  /** end the stream then */
  until?: Moment;
  /** Docker's filters: `{ event: ["start", "die"], container: "web", label: "app=shop" }` */
  filters?: Record<string, string | string[]>;
  /** ends the stream */
  signal?: AbortSignal;
}

export class Berth {
  readonly root: string;
  readonly containers: Containers;
  readonly images: Images;
  readonly networks: Networks;
  readonly volumes: Volumes;
  readonly #ctx: ClientContext;

  constructor(opts: BerthOptions = {}) {
    this.#ctx = { root: opts.root ?? defaultRoot(), insecureRegistries: opts.insecureRegistries ?? [] };
    this.root = this.#ctx.root;
    this.containers = new Containers(this.#ctx);
    this.images = new Images(this.#ctx);
    this.networks = new Networks(this.#ctx);
    this.volumes = new Volumes(this.#ctx);
  }

  /**
   * Removes everything the root made, on the host (containers' processes, mounts and cgroups, networks'
   * bridges and iptables rules, volumes' mounts) and on disk — `berth system reset -f`.
   */
  async reset(): Promise<void> {
    await resetRoot(this.#ctx.root);
  }

  /** Container events in Docker's shape: those kept since `since`, then new ones until `until` or `signal`. */
  async *events(opts: EventsOptions = {}): AsyncGenerator<DockerEvent> {
    const moment = (m: Moment | undefined) => m === undefined ? undefined : m instanceof Date ? m.getTime() : typeof m === "number" ? m : eventTime(m);
    const filters = Object.entries(opts.filters ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x] as const));
    const stream: EventStreamOptions = { since: moment(opts.since), until: moment(opts.until), filters, signal: opts.signal };
    for await (const e of streamEvents(this.#ctx.root, stream)) yield dockerEvent(e);
  }
}
