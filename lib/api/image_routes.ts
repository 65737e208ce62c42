/** `/images/…`: list, pull (`create`, JSON progress), inspect, history, tag, delete. */
import { imageHistory, inspectImage } from "../image/inspect.ts";
import { listImages } from "../image/list.ts";
import { imageMatcher } from "../image/filter.ts";
import { pull } from "../image/pull.ts";
import { removeImage } from "../image/remove.ts";
import { tagImage } from "../image/tag.ts";
import { pruneImages } from "../image/prune.ts";
import { jsonPullProgress } from "./pull_progress.ts";
import { messageOf } from "../util/errors.ts";
import { boolParam, filtersParam } from "./errors.ts";
import { HttpError } from "./http/server.ts";
import { registryAuth } from "./build_routes.ts";
import type { Router } from "./router.ts";

export function imageRoutes(router: Router, root: string): void {
  router.add("GET", "/images/json", async (req, res) => {
    const match = imageMatcher(root, filtersParam(req.query));
    const byId = new Map<string, { RepoTags: string[]; RepoDigests: string[]; row: ReturnType<typeof listImages>[number] }>();
    for (const row of listImages(root).filter(match)) {
      const e = byId.get(row.id) ?? { RepoTags: [], RepoDigests: [], row };
      if (row.repository !== "<none>" && row.tag !== "<none>") e.RepoTags.push(`${row.repository}:${row.tag}`);
      if (row.digest && row.digest !== "<none>") e.RepoDigests.push(`${row.repository}@${row.digest}`);
      byId.set(row.id, e);
    }
    const labelsOf = (id: string) => {
      try {
        return (inspectImage(root, id).Config as { Labels?: Record<string, string> }).Labels ?? {};
      } catch {
        return {};
      }
    };
    await res.send(200, [...byId.values()].map(({ RepoTags, RepoDigests, row }) => ({
      Id: row.id,
      ParentId: "",
      RepoTags: RepoTags.length ? RepoTags : boolParam(req.query, "all") ? ["<none>:<none>"] : [],
      RepoDigests,
      Created: row.created ? Math.floor(Date.parse(row.created) / 1000) : 0,
      Size: row.size,
      SharedSize: -1,
      VirtualSize: row.size,
      Labels: labelsOf(row.id),
      Containers: -1,
    })));
  });

  // pull: the reference in fromImage (and tag), progress as one JSON object per line
  router.add("POST", "/images/create", async (req, res) => {
    const from = req.query.get("fromImage");
    if (!from) throw new HttpError(400, "fromImage is required (importing with fromSrc is not supported)");
    const tag = req.query.get("tag");
    const ref = tag ? (tag.startsWith("sha256:") ? `${from}@${tag}` : `${from}:${tag}`) : from;
    // the client's credentials for this pull only (not stored: the docker CLI keeps its own)
    const auth = registryAuth(req);
    const credentials = auth?.username && auth.password ? { username: auth.username, password: auth.password } : undefined;
    res.header("content-type", "application/json");
    await res.start(200);
    // messages go out in order, each flushed as it comes; a client gone makes the writes fail, not the pull
    let queue = Promise.resolve();
    const send = (m: unknown) => (queue = queue.then(() => res.writeJson(m)).catch(() => {}));
    try {
      await pull(ref, { root, credentials, progress: jsonPullProgress(send) });
    } catch (err) {
      send({ errorDetail: { message: messageOf(err) }, error: messageOf(err) });
    }
    await queue;
  });

  router.add("GET", "/images/{name*}/json", async (_req, res, p) => {
    const i = inspectImage(root, p.name) as unknown as Record<string, unknown>;
    await res.send(200, {
      ...i,
      Parent: "",
      Comment: "",
      Container: "",
      ContainerConfig: {},
      DockerVersion: "",
      VirtualSize: i.Size,
      Author: i.Author ?? "",
      GraphDriver: { Name: "overlay2", Data: {} },
      Metadata: { LastTagTime: "0001-01-01T00:00:00Z" },
    });
  });

  router.add("GET", "/images/{name*}/history", async (_req, res, p) => {
    await res.send(200, imageHistory(root, p.name).map((h) => ({
      Id: h.id,
      Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
      CreatedBy: h.createdBy,
      Tags: [],
      Size: h.size,
      Comment: h.comment,
    })));
  });

  router.add("POST", "/images/{name*}/tag", async (req, res, p) => {
    const repo = req.query.get("repo");
    if (!repo) throw new HttpError(400, "repo is required");
    await tagImage(root, p.name, `${repo}${req.query.get("tag") ? `:${req.query.get("tag")}` : ""}`);
    await res.send(201);
  });

  // prune: dangling (untagged) images, or with dangling=false every image no container uses
  router.add("POST", "/images/prune", async (req, res) => {
    const all = (filtersParam(req.query) ?? []).includes("dangling=false");
    const { lines, spaceReclaimed } = await pruneImages(root, all);
    const deleted = lines.map((l) => (l.startsWith("Deleted") ? { Deleted: l.slice(l.indexOf(":") + 1).trim() } : { Untagged: l.slice(l.indexOf(":") + 1).trim() }));
    await res.send(200, { ImagesDeleted: deleted, SpaceReclaimed: spaceReclaimed });
  });

  router.add("DELETE", "/images/{name*}", async (req, res, p) => {
    const lines = await removeImage(p.name, { root, force: boolParam(req.query, "force") });
    await res.send(200, lines.map((l) => {
      const [k, v] = [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()];
      return k === "Deleted" ? { Deleted: v } : { Untagged: v };
    }));
  });
}
