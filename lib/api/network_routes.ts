/** `/networks/…` and `/volumes/…`: the CLI's networks and volumes, Docker-shaped. */
import { createNetwork, findNetwork, listNetworks, networkInspect, removeNetwork } from "../container/network/networks.ts";
import { connectNetwork, disconnectNetwork } from "../container/network/connect.ts";
import { createVolume, inspectVolume, listVolumes, removeVolume } from "../container/volumes.ts";
import { listRecords, updateRecord, volumeUsers } from "../container/state.ts";
import { getContainer } from "../container/lifecycle.ts";
import { pruneNetworks, pruneVolumes } from "../container/prune.ts";
import { labelMatches } from "../util/filters.ts";
import { filtersParam } from "./errors.ts";
import { HttpError } from "./http/server.ts";
import type { Router } from "./router.ts";

/** `key=value` filters of a list query, as a predicate over name, id and labels (what compose asks). */
function simpleFilter(raw: string[] | undefined, allowed: string[]): (o: { name: string; id?: string; labels?: Record<string, string>; extra?: Record<string, string> }) => boolean {
  const list = (raw ?? []).map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)] as const);
  for (const [k] of list) if (!allowed.includes(k)) throw new HttpError(400, `invalid filter '${k}'`);
  return (o) => {
    const by = (key: string) => list.filter(([k]) => k === key).map(([, v]) => v);
    const names = by("name"), ids = by("id"), labels = by("label");
    if (names.length && !names.some((n) => o.name.includes(n))) return false;
    if (ids.length && !ids.some((i) => o.id?.startsWith(i))) return false;
    if (labels.length && !labels.every((l) => labelMatches(o.labels, l))) return false;
    for (const key of Object.keys(o.extra ?? {})) {
      const want = by(key);
      if (want.length && !want.includes(o.extra![key])) return false;
    }
    return true;
  };
}

export function networkRoutes(router: Router, root: string): void {
  router.add("GET", "/networks", async (req, res) => {
    const keep = simpleFilter(filtersParam(req.query), ["name", "id", "label", "driver", "type", "scope"]);
    const builtin = [
      { Name: "host", Id: "host", Driver: "host", Scope: "local", IPAM: { Driver: "default", Config: [] }, Containers: {}, Options: {}, Labels: {} },
      { Name: "none", Id: "none", Driver: "null", Scope: "local", IPAM: { Driver: "default", Config: [] }, Containers: {}, Options: {}, Labels: {} },
    ];
    const mine = listNetworks(root).map((n) => networkInspect(root, n.name));
    await res.send(200, [...mine, ...builtin].filter((n) =>
      keep({ name: n.Name as string, id: n.Id as string, labels: n.Labels as Record<string, string>, extra: { driver: n.Driver as string, scope: "local", type: "custom" } })
    ));
  });
  router.add("GET", "/networks/{id}", async (_req, res, p) => {
    await res.send(200, networkInspect(root, p.id));
  });
  router.add("POST", "/networks/create", async (req, res) => {
    const b = await req.json();
    if (typeof b.Name !== "string" || !b.Name) throw new HttpError(400, "network name is required");
    if (b.Driver && b.Driver !== "bridge") throw new HttpError(400, `network driver ${b.Driver} is not supported (bridge only)`);
    const existing = findNetwork(root, b.Name);
    if (existing && b.CheckDuplicate !== false) throw new HttpError(409, `network with name ${b.Name} already exists`);
    const cfg = ((b.IPAM as { Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] } | undefined)?.Config ?? [])[0] ?? {};
    const n = await createNetwork(root, b.Name, {
      subnet: cfg.Subnet,
      gateway: cfg.Gateway,
      ipRange: cfg.IPRange || undefined,
      internal: b.Internal === true,
      labels: (b.Labels ?? {}) as Record<string, string>,
      options: (b.Options ?? {}) as Record<string, string>,
    });
    await res.send(201, { Id: n.id, Warning: "" });
  });
  // compose re-connects a created container to its first network to set its aliases (disconnect, then
  // connect with EndpointConfig.Aliases): for the container's own first network that is an update of its
  // record, not a change of its network
  const primary = async (networkRef: string, containerRef: string) => {
    const rec = await getContainer(root, containerRef);
    const n = findNetwork(root, networkRef);
    return n && rec.spec.network === n.name && rec.state.status !== "running" ? rec : undefined;
  };
  router.add("POST", "/networks/{id}/connect", async (req, res, p) => {
    const b = await req.json();
    if (typeof b.Container !== "string") throw new HttpError(400, "Container is required");
    const endpoint = (b.EndpointConfig ?? {}) as { Aliases?: unknown; IPAMConfig?: { IPv4Address?: unknown } };
    const aliases = (Array.isArray(endpoint.Aliases) ? endpoint.Aliases : []).filter((a): a is string => typeof a === "string");
    const ip = typeof endpoint.IPAMConfig?.IPv4Address === "string" && endpoint.IPAMConfig.IPv4Address ? endpoint.IPAMConfig.IPv4Address : undefined;
    const rec = await primary(p.id, b.Container);
    if (rec) {
      updateRecord(root, rec.spec.id, (now) => ({
        spec: { ...now.spec, networkAliases: [...new Set([...(now.spec.networkAliases ?? []), ...aliases])] },
        state: now.state,
      }));
    } else await connectNetwork(root, p.id, b.Container, { ip, aliases });
    await res.send(200);
  });
  router.add("POST", "/networks/{id}/disconnect", async (req, res, p) => {
    const b = await req.json();
    if (typeof b.Container !== "string") throw new HttpError(400, "Container is required");
    if (!(await primary(p.id, b.Container))) await disconnectNetwork(root, p.id, b.Container);
    await res.send(200);
  });
  router.add("DELETE", "/networks/{id}", async (_req, res, p) => {
    await removeNetwork(root, p.id);
    await res.send(204);
  });
  router.add("POST", "/networks/prune", async (_req, res) => {
    await res.send(200, { NetworksDeleted: await pruneNetworks(root) });
  });

  router.add("GET", "/volumes", async (req, res) => {
    const keep = simpleFilter(filtersParam(req.query), ["name", "label", "driver", "dangling"]);
    const used = new Set(listRecords(root).flatMap((r) => r.spec.mounts.filter((m) => m.type === "volume").map((m) => m.source)));
    const vols = listVolumes(root).filter((v) =>
      keep({ name: v.Name, labels: v.Labels, extra: { driver: "local", dangling: String(!used.has(v.Name)) } })
    );
    await res.send(200, { Volumes: vols, Warnings: [] });
  });
  router.add("POST", "/volumes/create", async (req, res) => {
    const b = await req.json();
    if (b.Driver && b.Driver !== "local") throw new HttpError(400, `volume driver ${b.Driver} is not supported (local only)`);
    const { volume } = await createVolume(
      root,
      typeof b.Name === "string" && b.Name ? b.Name : undefined,
      (b.Labels ?? {}) as Record<string, string>,
      (b.DriverOpts ?? {}) as Record<string, string>,
    );
    await res.send(201, volume);
  });
  router.add("GET", "/volumes/{name}", async (_req, res, p) => {
    await res.send(200, inspectVolume(root, p.name));
  });
  router.add("DELETE", "/volumes/{name}", async (_req, res, p) => {
    await removeVolume(root, p.name, volumeUsers(root, p.name));
    await res.send(204);
  });
  router.add("POST", "/volumes/prune", async (_req, res) => {
    await res.send(200, { VolumesDeleted: await pruneVolumes(root), SpaceReclaimed: 0 });
  });
}
