/**
 * Routes of the Engine API: a method and a path pattern (`/containers/{id}/start`) to a handler with
 * the path's parameters. Paths come without the `/v1.NN` prefix (the server strips it).
 */
import { HttpError, type Request, type Response } from "./http/server.ts";
import { API_VERSION, MIN_API_VERSION } from "./system_routes.ts";

export type RouteHandler = (req: Request, res: Response, params: Record<string, string>) => Promise<void>;

interface Route {
  method: string;
  parts: string[];
  handler: RouteHandler;
}

export class Router {
  #routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.#routes.push({ method, parts: pattern.split("/").slice(1), handler });
    return this;
  }

  /** Runs the route for the request; 404 for an unknown path, 405-as-404 (Docker's) for a wrong method. */
  async dispatch(req: Request, res: Response): Promise<void> {
    if (req.version) checkVersion(req.version);
    const parts = req.path.split("/").slice(1);
    const method = req.method === "HEAD" ? ["HEAD", "GET"] : [req.method];
    for (const m of method) {
      for (const r of this.#routes) {
        if (r.method !== m) continue;
        const params = match(r.parts, parts);
        if (params) return await r.handler(req, res, params);
      }
    }
    throw new HttpError(404, `page not found`);
  }
}


function versionNumber(v: string): number {
  const [major, minor] = v.split(".").map(Number);
  return major * 1000 + (minor || 0);
}

/** The API versions berth answers to (MIN_API_VERSION up to API_VERSION); dockerd's words for the others. */
function checkVersion(v: string): void {
  if (!/^\d+\.\d+$/.test(v)) throw new HttpError(400, `invalid API version ${v}`);
  if (versionNumber(v) < versionNumber(MIN_API_VERSION)) {
    throw new HttpError(400, `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
  if (versionNumber(v) > versionNumber(API_VERSION)) {
    throw new HttpError(400, `client version ${v} is too new. Maximum supported API version is ${API_VERSION}`);
  }
}

/** Path parameters, or null. An image name may hold slashes: a `{name*}` parameter takes the rest up to the last fixed parts. */
function match(pattern: string[], parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  const greedy = pattern.findIndex((p) => p.endsWith("*}"));
  if (greedy < 0) {
    if (pattern.length !== parts.length) return null;
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i];
      if (p.startsWith("{")) params[p.slice(1, -1)] = decodeURIComponent(parts[i]);
      else if (p !== parts[i]) return null;
    }
    return params;
  }
  const after = pattern.length - greedy - 1;
  if (parts.length < pattern.length) return null;
  for (let i = 0; i < greedy; i++) if (pattern[i] !== parts[i]) return null;
  for (let i = 0; i < after; i++) if (pattern[pattern.length - 1 - i] !== parts[parts.length - 1 - i]) return null;
  params[pattern[greedy].slice(1, -2)] = decodeURIComponent(parts.slice(greedy, parts.length - after).join("/"));
  return params;
}
