/**
 * The prune family as Docker prints it — `image prune [-a]`, `network prune`, `volume prune`, `system prune
 * [-a] [--volumes]` — and `system df`; berth never prompts (`-f` is accepted). The work is the engine's
 * (image/prune.ts, container/prune.ts, lifecycle.ts pruneContainers), shared with the Engine API.
 */
import { pruneContainers } from "../container/lifecycle.ts";
import { pruneNetworks, pruneVolumes } from "../container/prune.ts";
import { listRecords } from "../container/state.ts";
import { listVolumes } from "../container/volumes.ts";
import { listImages } from "../image/list.ts";
import { pruneImages } from "../image/prune.ts";
import { humanSize } from "../util/human.ts";
import { type Command, out } from "./command.ts";
import { formatTable } from "./table.ts";

const FORCE = "-f, --force   do not prompt for confirmation (berth never prompts)";

function imageSection(lines: string[], space: number): string[] {
  const body = lines.map((l) => l.replace(/^Untagged:/, "untagged:").replace(/^Deleted:/, "deleted:"));
  return [...(body.length ? ["Deleted Images:", ...body, ""] : []), `Total reclaimed space: ${humanSize(space)}`];
}

export const imagePruneCommand: Command = {
  name: "image prune",
  summary: "Remove unused images (dangling ones; -a: every image no container uses)",
  usage: "[OPTIONS]",
  help: ["-a, --all     remove every image no container uses, not only dangling ones", FORCE],
  options: { all: { type: "boolean", short: "a" }, force: { type: "boolean", short: "f" } },
  args: [0, 0],
  async run(g, v) {
    const r = await pruneImages(g.root, !!v.all);
    out(imageSection(r.lines, r.spaceReclaimed).join("\n"));
    return 0;
  },
};

export const networkPruneCommand: Command = {
  name: "network prune",
  summary: "Remove all unused networks",
  usage: "[OPTIONS]",
  help: [FORCE],
  options: { force: { type: "boolean", short: "f" } },
  args: [0, 0],
  async run(g) {
    const names = await pruneNetworks(g.root);
    if (names.length) out(["Deleted Networks:", ...names].join("\n"));
    return 0;
  },
};

export const volumePruneCommand: Command = {
  name: "volume prune",
  summary: "Remove all volumes no container uses",
  usage: "[OPTIONS]",
  help: [FORCE],
  options: { force: { type: "boolean", short: "f" } },
  args: [0, 0],
  async run(g) {
    const names = await pruneVolumes(g.root);
    out([...(names.length ? ["Deleted Volumes:", ...names, ""] : []), "Total reclaimed space: 0B"].join("\n"));
    return 0;
  },
};

export const systemPruneCommand: Command = {
  name: "system prune",
  summary: "Remove stopped containers, unused networks, dangling images (and with -a every unused image)",
  usage: "[OPTIONS]",
  help: ["-a, --all       remove every image no container uses, not only dangling ones", "    --volumes   prune volumes too", FORCE],
  options: { all: { type: "boolean", short: "a" }, volumes: { type: "boolean" }, force: { type: "boolean", short: "f" } },
  args: [0, 0],
  async run(g, v) {
    const text: string[] = [];
    const ids = await pruneContainers(g.root);
    if (ids.length) text.push("Deleted Containers:", ...ids, "");
    const nets = await pruneNetworks(g.root);
    if (nets.length) text.push("Deleted Networks:", ...nets, "");
    if (v.volumes) {
      const vols = await pruneVolumes(g.root);
      if (vols.length) text.push("Deleted Volumes:", ...vols, "");
    }
    const img = await pruneImages(g.root, !!v.all);
    text.push(...imageSection(img.lines, img.spaceReclaimed));
    out(text.join("\n"));
    return 0;
  },
};

export const systemDfCommand: Command = {
  name: "system df",
  summary: "Show the disk space berth's images, containers and volumes use",
  usage: "",
  options: {},
  args: [0, 0],
  run(g) {
    const recs = listRecords(g.root);
    const byId = new Map<string, number>();
    for (const i of listImages(g.root)) byId.set(i.id, i.size);
    const usedImages = new Set(recs.map((r) => r.spec.imageId));
    const total = [...byId.values()].reduce((a, b) => a + b, 0);
    const reclaimable = [...byId].filter(([id]) => !usedImages.has(id)).reduce((a, [, s]) => a + s, 0);
    const running = recs.filter((r) => r.state.status === "running").length;
    const vols = listVolumes(g.root);
    const usedVols = new Set(recs.flatMap((r) => r.spec.mounts.filter((m) => m.type === "volume").map((m) => m.source)));
    const pct = (part: number, all: number) => (all ? ` (${Math.round((part / all) * 100)}%)` : "");
    out(formatTable(["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"], [
      ["Images", String(byId.size), String([...byId.keys()].filter((id) => usedImages.has(id)).length), humanSize(total), `${humanSize(reclaimable)}${pct(reclaimable, total)}`],
      ["Containers", String(recs.length), String(running), "0B", "0B"],
      ["Local Volumes", String(vols.length), String(vols.filter((x) => usedVols.has(x.Name)).length), "0B", "0B"],
      ["Build Cache", "0", "0", "0B", "0B"],
    ]));
    return Promise.resolve(0);
  },
};
