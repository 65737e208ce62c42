/** `/_ping`, `/version`, `/info`: what a client asks first (API version negotiation, `docker info`). */
import { API_VERSION, MIN_API_VERSION, systemInfo, versionInfo } from "../container/system_info.ts";
import type { Router } from "./router.ts";

export { API_VERSION, MIN_API_VERSION };

export function systemRoutes(router: Router, root: string): void {
  router.add("GET", "/_ping", async (_req, res) => {
    res.header("content-type", "text/plain; charset=utf-8").header("cache-control", "no-cache, no-store, must-revalidate");
    res.header("builder-version", "1"); // the classic builder: a Docker 23+ client needs DOCKER_BUILDKIT=0
    await res.send(200, "OK");
  });
  router.add("GET", "/version", async (_req, res) => {
    await res.send(200, versionInfo());
  });
  router.add("GET", "/info", async (_req, res) => {
    await res.send(200, systemInfo(root));
  });
}
