/**
 * Name resolution on user networks through /etc/hosts: every running container of a network lists
 * every container of each network it is on (name, `--network-alias`es, short id). The files are bind
 * mounts of `ROOT/containers/ID/hosts`, rewritten in place (same inode) whenever a container joins or
 * leaves, so a container started later is resolvable by the earlier ones at once. The default
 * `bridge` network has no name resolution, as with Docker.
 */
import { etcPaths, hostsText } from "../etc_files.ts";
import { type ContainerRecord, containerDir, listRecords, pidAlive } from "../state.ts";
import type { ContainerSpec } from "../spec.ts";
import { statLite } from "../../ffi/sys.ts";

const encoder = new TextEncoder();
import type { EndpointState } from "./endpoint.ts";
import { DEFAULT_NETWORK } from "./networks.ts";

/** A running container's endpoints: its first network's and those of `network connect`. */
export function endpointsOf(rec: ContainerRecord): EndpointState[] {
  return [rec.state.network, ...(rec.state.connected ?? [])].filter((e): e is EndpointState => !!e);
}

/** A container's aliases on `network`: `--network-alias` on its first, `network connect --alias` on the others. */
export function aliasesOn(spec: Pick<ContainerSpec, "network" | "networkAliases" | "extraNetworkConfig">, network: string): string[] {
  return (network === spec.network ? spec.networkAliases : spec.extraNetworkConfig?.[network]?.aliases) ?? [];
}

type Member = { spec: Pick<ContainerSpec, "name" | "network" | "networkAliases" | "extraNetworkConfig" | "id">; ip: string };
const line = (m: Member, network: string) => `${m.ip}\t${[m.spec.name, ...aliasesOn(m.spec, network), m.spec.id.slice(0, 12)].join(" ")}`;

/**
 * The peers a container about to start on `network` (not the default bridge) must know from its first
 * instruction: every running container there, and itself. (The others learn of it once it runs.)
 */
export function peersAtStart(root: string, spec: ContainerSpec, network: string, ip: string): string[] {
  if (network === DEFAULT_NETWORK) return [];
  const running = listRecords(root).filter((r) => r.spec.id !== spec.id && r.state.status === "running" && pidAlive(r.state.pid));
  const others = running.flatMap((r) => endpointsOf(r).filter((e) => e.network === network).map((e) => line({ spec: r.spec, ip: e.ip }, network)));
  return [...others, line({ spec, ip }, network)];
}

export function refreshNetworkHosts(root: string, network: string): void {
  if (network === DEFAULT_NETWORK) return;
  const running = listRecords(root).filter((r) => r.state.status === "running" && pidAlive(r.state.pid));
  const onNetwork = (n: string) =>
    running.flatMap((r) => endpointsOf(r).filter((e) => e.network === n).map((e) => ({ spec: r.spec, rec: r, ip: e.ip })));
  for (const { rec } of onNetwork(network)) {
    const mine = endpointsOf(rec);
    const peers = mine.filter((e) => e.network !== DEFAULT_NETWORK).flatMap((e) => onNetwork(e.network).map((m) => line(m, e.network)));
    const text = hostsText(rec.spec.hostname, { hostNetwork: false, extraHosts: rec.spec.extraHosts, ip: mine[0]?.ip, gateway: mine[0]?.gateway, peers });
    const path = etcPaths(containerDir(root, rec.spec.id)).hosts;
    try {
      // unchanged (a container that started with its peers already in): no rewrite, so no moment in which
      // a reader in the container sees the file truncated
      const bytes = encoder.encode(text);
      if (statLite(path)?.size === bytes.length && Deno.readTextFileSync(path) === text) continue;
      rewriteInPlace(path, bytes);
    } catch { /* it is going away */ }
  }
}

/**
 * The file's new content, in place (the container's bind mount follows the inode): written over the old
 * and then cut to its length — never truncated first, so a reader in the container (a container reading
 * its /etc/hosts as it starts) never finds it empty.
 */
function rewriteInPlace(path: string, bytes: Uint8Array): void {
  const f = Deno.openSync(path, { write: true });
  try {
    for (let o = 0; o < bytes.length;) o += f.writeSync(bytes.subarray(o));
    f.truncateSync(bytes.length);
  } finally {
    f.close();
  }
}
