/**
 * Name resolution on user networks through /etc/hosts: every running container of a network lists
 * every other one (name, `--network-alias`es, short id). The files are bind mounts of
 * `ROOT/containers/ID/hosts`, rewritten in place (same inode) whenever a container joins or leaves,
 * so a container started later is resolvable by the earlier ones at once. The default `bridge`
 * network has no name resolution, as with Docker.
 */
import { etcPaths, hostsText } from "../etc_files.ts";
import { containerDir, listRecords, pidAlive } from "../state.ts";
import { DEFAULT_NETWORK } from "./networks.ts";

export function refreshNetworkHosts(root: string, network: string): void {
  if (network === DEFAULT_NETWORK) return;
  const members = listRecords(root).filter((r) =>
    r.state.status === "running" && r.state.network?.network === network && pidAlive(r.state.pid)
  );
  const line = (r: (typeof members)[number]) =>
    `${r.state.network!.ip}\t${[r.spec.name, ...(r.spec.networkAliases ?? []), r.spec.id.slice(0, 12)].join(" ")}`;
  for (const m of members) {
    const text = hostsText(m.spec.hostname, {
      hostNetwork: false,
      extraHosts: m.spec.extraHosts,
      ip: m.state.network!.ip,
      peers: members.map(line), // itself too: its name and aliases resolve inside it as well
    });
    try {
      Deno.writeTextFileSync(etcPaths(containerDir(root, m.spec.id)).hosts, text); // in place: the bind mount follows
    } catch { /* it is going away */ }
  }
}
