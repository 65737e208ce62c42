/** Docker's list entry for a container (`GET /containers/json`, `docker ps --format json`'s source). */
import { inspectRecord, stateName, statusText } from "./describe.ts";
import { reconcile } from "./cleanup.ts";
import { containerMatcher, impliesAll } from "./filter.ts";
import { type ContainerRecord, listRecords } from "./state.ts";

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  /** Unix seconds */
  Created: number;
  Ports: { IP: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  Labels: Record<string, string>;
  /** created, running, paused, restarting, exited, dead */
  State: string;
  /** "Up 3 minutes", "Exited (0) 2 seconds ago" */
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, unknown> };
  Mounts: unknown[];
}

export function containerSummary(root: string, r: ContainerRecord): ContainerSummary {
  const ports = (r.state.network?.ports ?? r.state.ports ?? r.spec.ports ?? []).map((p) => ({
    IP: p.hostIp || "0.0.0.0",
    PrivatePort: p.containerPort,
    PublicPort: r.state.status === "running" ? p.hostPort : undefined,
    Type: p.protocol,
  }));
  const full = inspectRecord(root, r) as { NetworkSettings?: { Networks?: Record<string, unknown> }; Mounts?: unknown[] };
  return {
    Id: r.spec.id,
    Names: [`/${r.spec.name}`],
    Image: r.spec.image,
    ImageID: r.spec.imageId,
    Command: r.spec.process.args.join(" "),
    Created: Math.floor(Date.parse(r.spec.created) / 1000),
    Ports: ports,
    Labels: r.spec.labels ?? {},
    State: stateName(r),
    Status: statusText(r),
    HostConfig: { NetworkMode: r.spec.network === "bridge" ? "default" : r.spec.network },
    NetworkSettings: { Networks: full.NetworkSettings?.Networks ?? {} },
    Mounts: full.Mounts ?? [],
  };
}

/** The list `docker ps` / `GET /containers/json` gives: running ones (or `all`), filtered, newest first. */
export async function containerSummaries(root: string, opts: { all?: boolean; filters?: string[]; limit?: number } = {}): Promise<ContainerSummary[]> {
  await reconcile(root);
  const { filters, test } = containerMatcher(root, opts.filters);
  const all = opts.all || impliesAll(filters);
  const recs = listRecords(root)
    .filter((r) => all || ["running", "paused", "restarting"].includes(stateName(r)))
    .filter(test)
    .sort((a, b) => b.spec.created.localeCompare(a.spec.created));
  return (opts.limit && opts.limit > 0 ? recs.slice(0, opts.limit) : recs).map((r) => containerSummary(root, r));
}
