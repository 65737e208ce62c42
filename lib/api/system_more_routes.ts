/** `/containers/prune`, `/commit`, `/system/df`: the smaller engine verbs. */
import { pruneContainers } from "../container/lifecycle.ts";
import { listRecords } from "../container/state.ts";
import { listVolumes } from "../container/volumes.ts";
import { commitContainer } from "../image/commit.ts";
import { listImages } from "../image/list.ts";
import { boolParam } from "./errors.ts";
import { HttpError } from "./http/server.ts";
import { containerSummary } from "../container/summary.ts";
import type { Router } from "./router.ts";

export function moreRoutes(router: Router, root: string): void {
  router.add("POST", "/containers/prune", async (_req, res) => {
    const ids = await pruneContainers(root);
    await res.send(200, { ContainersDeleted: ids, SpaceReclaimed: 0 });
  });

  router.add("POST", "/commit", async (req, res) => {
    const q = req.query;
    const ref = q.get("container");
    if (!ref) throw new HttpError(400, "container is required");
    const repo = q.get("repo");
    const { id } = await commitContainer(root, ref, {
      repository: repo ? `${repo}${q.get("tag") ? `:${q.get("tag")}` : ""}` : undefined,
      message: q.get("comment") ?? undefined,
      author: q.get("author") ?? undefined,
      changes: q.getAll("changes").flatMap((c) => c.split("\n")).filter(Boolean),
      pause: q.get("pause") === null ? true : boolParam(q, "pause"),
    });
    await res.send(201, { Id: id });
  });

  router.add("GET", "/system/df", async (_req, res) => {
    const images = listImages(root);
    const recs = listRecords(root);
    const byId = new Map<string, { Id: string; RepoTags: string[]; Size: number; Created: number }>();
    for (const i of images) {
      const e = byId.get(i.id) ?? { Id: i.id, RepoTags: [], Size: i.size, Created: i.created ? Math.floor(Date.parse(i.created) / 1000) : 0 };
      if (i.repository !== "<none>") e.RepoTags.push(`${i.repository}:${i.tag}`);
      byId.set(i.id, e);
    }
    await res.send(200, {
      LayersSize: [...byId.values()].reduce((a, i) => a + i.Size, 0),
      Images: [...byId.values()].map((i) => ({
        ...i,
        ParentId: "",
        RepoDigests: [],
        SharedSize: -1,
        VirtualSize: i.Size,
        Labels: {},
        Containers: recs.filter((r) => r.spec.imageId === i.Id).length,
      })),
      Containers: recs.map((r) => ({ ...containerSummary(root, r), SizeRw: 0, SizeRootFs: 0 })),
      Volumes: listVolumes(root).map((v) => ({ ...v, UsageData: { Size: -1, RefCount: recs.filter((r) => r.spec.mounts.some((m) => m.type === "volume" && m.source === v.Name)).length } })),
      BuildCache: [],
    });
  });
}
