/** After a container's exit (or its watcher's death): its ports, addresses and names go from every network. */
import { readRecord, updateRecord } from "../state.ts";
import { detachEndpoint } from "./endpoint.ts";
import { endpointsOf, refreshNetworkHosts } from "./hosts.ts";

export async function leaveNetworks(root: string, id: string): Promise<void> {
  const rec = readRecord(root, id);
  if (!rec) return;
  const eps = endpointsOf(rec);
  for (const ep of eps) await detachEndpoint(root, id, ep); // (only the first network's has ports)
  updateRecord(root, id, (r) => ({ spec: r.spec, state: { ...r.state, network: undefined, connected: undefined } }));
  for (const ep of eps) refreshNetworkHosts(root, ep.network);
}
