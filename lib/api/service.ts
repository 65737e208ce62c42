/**
 * `berth system service`: the Docker Engine API on a unix socket (or loopback TCP), over the same root —
 * records, images, supervisor — as the berth CLI.
 *
 * @example
 * ```ts
 * const svc = await startService({ root: "/var/lib/berth", uri: "unix:///tmp/berth.sock", idleSeconds: 0 });
 * // DOCKER_HOST=unix:///tmp/berth.sock docker ps
 * await svc.done;
 * ```
 */
import { DEFAULT_ROOT } from "../image/store.ts";
import { rootlessUser, userPaths } from "../rootless/paths.ts";
import { BerthError, messageOf } from "../util/errors.ts";
import { VERSION } from "../version.ts";
import { containerRoutes } from "./container_routes.ts";
import { statusOf } from "./errors.ts";
import { HttpServer } from "./http/server.ts";
import { imageRoutes } from "./image_routes.ts";
import { execRoutes } from "./exec_routes.ts";
import { networkRoutes } from "./network_routes.ts";
import { statsRoutes } from "./stats_routes.ts";
import { eventRoutes } from "./events.ts";
import { buildRoutes } from "./build_routes.ts";
import { archiveRoutes } from "./archive_routes.ts";
import { moreRoutes } from "./system_more_routes.ts";
import { Router } from "./router.ts";
import { API_VERSION, systemRoutes } from "./system_routes.ts";
import { debug } from "../util/log.ts";
import { embedSupervisor } from "../container/supervisor.ts";

export interface ServiceOptions {
  root: string;
  /** unix:///path or tcp://127.0.0.1:PORT; default: {@link defaultServiceUri} */
  uri?: string;
  /** stop after this many seconds without a connection or a container to watch; 0: never (default 5, as Podman's) */
  idleSeconds?: number;
  /**
   * be the root's supervisor, the parent of its detached containers (default true): one process, as dockerd.
   * While another process supervises the root, it keeps its containers and this one takes over when it leaves.
   */
  supervise?: boolean;
}

export interface Service {
  /** where it listens, as a DOCKER_HOST value */
  uri: string;
  /** settles when the service has stopped (idle, or {@link Service.close}) and no longer supervises */
  done: Promise<void>;
  /** stops serving; the containers it supervises keep running until they end (`done` waits for them) */
  close(): void;
  /** stops serving and stops the containers it supervises (SIGTERM to `berth system service`), as dockerd does */
  shutdown(): Promise<void>;
}

/**
 * `unix:///run/berth/berth.sock` for root's default root, `$XDG_RUNTIME_DIR/berth/berth.sock` for a user's,
 * `unix://ROOT/berth.sock` for another.
 */
export function defaultServiceUri(root: string): string {
  const user = rootlessUser();
  if (user && root === userPaths(user).storage) return `unix://${userPaths(user).runtime}/berth.sock`;
  return root === DEFAULT_ROOT ? "unix:///run/berth/berth.sock" : `unix://${root}/berth.sock`;
}

/** The engine's routes over `root`. */
export function engineRouter(root: string): Router {
  const router = new Router();
  systemRoutes(router, root);
  containerRoutes(router, root);
  imageRoutes(router, root);
  execRoutes(router, root);
  networkRoutes(router, root);
  statsRoutes(router, root);
  eventRoutes(router, root);
  buildRoutes(router, root);
  archiveRoutes(router, root);
  moreRoutes(router, root);
  return router;
}

function dockerGroup(): number | undefined {
  try {
    const line = Deno.readTextFileSync("/etc/group").split("\n").find((l) => l.startsWith("docker:"));
    return line ? Number(line.split(":")[2]) : undefined;
  } catch {
    return undefined;
  }
}

async function listen(uri: string): Promise<Deno.Listener> {
  if (uri.startsWith("unix://")) {
    const path = uri.slice("unix://".length);
    if (!path.startsWith("/")) throw new BerthError(`system service: ${uri}: a unix socket needs an absolute path (unix:///path)`, 125);
    try {
      const c = await Deno.connect({ transport: "unix", path });
      c.close();
      throw new BerthError(`system service: ${uri} is already served by another process`, 125);
    } catch (err) {
      if (err instanceof BerthError) throw err;
      try {
        Deno.removeSync(path); // stale: nobody answers on it
      } catch { /* none */ }
    }
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")) || "/", { recursive: true });
    const l = Deno.listen({ transport: "unix", path });
    // the API is root-equivalent: owner and the docker group only (root only when there is no such group)
    const gid = dockerGroup();
    if (gid !== undefined) Deno.chownSync(path, 0, gid);
    Deno.chmodSync(path, gid !== undefined ? 0o660 : 0o600);
    return l;
  }
  const m = uri.match(/^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/);
  if (!m) throw new BerthError(`system service: ${uri}: expected unix:///path or tcp://127.0.0.1:PORT`, 125);
  const host = m[1].replace(/^\[|\]$/g, "");
  if (!["127.0.0.1", "localhost", "::1"].includes(host) && !/^127\./.test(host)) {
    throw new BerthError(
      `system service: ${uri}: the API is root-equivalent and has no authentication, so berth serves TCP on loopback only (tcp://127.0.0.1:PORT); use a unix socket or an SSH tunnel to reach it from elsewhere`,
      125,
    );
  }
  return Deno.listen({ transport: "tcp", hostname: host === "localhost" ? "127.0.0.1" : host, port: Number(m[2]) });
}

/** Starts serving; resolves once the socket listens. */
export async function startService(opts: ServiceOptions): Promise<Service> {
  const uri = opts.uri ?? defaultServiceUri(opts.root);
  const listener = await listen(uri);
  const router = engineRouter(opts.root);
  const idleMs = (opts.idleSeconds ?? 5) * 1000;
  let active = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const server = new HttpServer(listener, async (req, res) => {
    debug(`api: ${req.method} ${req.path}`);
    await router.dispatch(req, res);
  }, {
    headers: { "Api-Version": API_VERSION, "Ostype": "linux", "Server": `berth/${VERSION} (linux)`, "Docker-Experimental": "false" },
    statusOf,
    onActive: (d) => {
      active += d;
      arm();
    },
  });
  const sup = opts.supervise === false ? undefined : embedSupervisor(opts.root);
  // idle: no connection and no container to watch (the containers are this process's children)
  const arm = () => {
    clearTimeout(timer);
    if (idleMs > 0 && active === 0) {
      timer = setTimeout(() => (sup?.watching() ? arm() : server.close()), idleMs);
    }
  };
  arm();
  const done = server.serve().catch((err) => debug(`api: ${messageOf(err)}`)).finally(async () => {
    clearTimeout(timer);
    if (uri.startsWith("unix://")) {
      try {
        Deno.removeSync(uri.slice("unix://".length));
      } catch { /* gone */ }
    }
    await sup?.release();
  });
  return {
    uri,
    done,
    close: () => server.close(),
    shutdown: async () => {
      server.close();
      await sup?.shutdown();
      await done;
    },
  };
}
