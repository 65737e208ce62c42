/**
 * Name resolution on user networks through /etc/hosts: every running container of a network lists
 * every container of each network it is on (name, `--network-alias`es, short id). The files are bind
 * mounts of `ROOT/containers/ID/hosts`, rewritten in place (same inode) whenever a container joins or
 * leaves, so a container started later is resolvable by the earlier ones at once. The default
 * `bridge` network has no name resolution, as with Docker.
 */
import { etcPaths, hostsText } from "../etc_files.ts";
import { type ContainerRecord, containerDir, listRecords, pidAlive } from "../state.ts";
import type { EndpointState } from "./endpoint.ts";
import { DEFAULT_NETWORK } from "./networks.ts";

/** A running container's endpoints: its first network's and those of `network connect`. */
export function endpointsOf(rec: ContainerRecord): EndpointState[] {
  return [rec.state.network, ...(rec.state.connected ?? [])].filter((e): e is EndpointState => !!e);
}

export function refreshNetworkHosts(root: string, network: string): void {
  if (network === DEFAULT_NETWORK) return;
  const running = listRecords(root).filter((r) => r.state.status === "running" && pidAlive(r.state.pid));
  const onNetwork = (n: string) =>
    running.flatMap((r) => endpointsOf(r).filter((e) => e.network === n).map((e) => ({ rec: r, ip: e.ip })));
  const line = (m: { rec: ContainerRecord; ip: string }) =>
    `${m.ip}\t${[m.rec.spec.name, ...(m.rec.spec.networkAliases ?? []), m.rec.spec.id.slice(0, 12)].join(" ")}`;
  for (const { rec } of onNetwork(network)) {
    const mine = endpointsOf(rec);
    const peers = mine.filter((e) => e.network !== DEFAULT_NETWORK).flatMap((e) => onNetwork(e.network).map(line));
    const text = hostsText(rec.spec.hostname, { hostNetwork: false, extraHosts: rec.spec.extraHosts, ip: mine[0]?.ip, peers });
    try {
      Deno.writeTextFileSync(etcPaths(containerDir(root, rec.spec.id)).hosts, text); // in place: the bind mount follows
    } catch { /* it is going away */ }
  }
}
