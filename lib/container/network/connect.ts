/**
 * `network connect` and `network disconnect`: a running container gets (or loses) an interface on
 * another network at once; a stopped one has the network recorded and joins it at its next start.
 */
import { BerthError, ConflictError, NotFoundError } from "../../util/errors.ts";
import { getContainer } from "../lifecycle.ts";
import { updateRecord } from "../state.ts";
import type { ContainerRecord } from "../state.ts";
import { connectEndpoint, disconnectEndpoint, type EndpointState } from "./endpoint.ts";
import { refreshNetworkHosts } from "./hosts.ts";
import { checkAddress, findNetwork } from "./networks.ts";

const running = (rec: ContainerRecord) => rec.state.status === "running" && !!rec.state.pid;

/** Joins every network a container has been connected to (after its start, as eth1, eth2, …). */
export async function joinExtraNetworks(root: string, id: string, pid: number, networks: string[]): Promise<void> {
  for (const name of networks) {
    const rec = updateRecord(root, id, () => undefined);
    const n = (rec?.state.connected?.length ?? 0) + 1;
    const ep = await connectEndpoint(root, id, pid, name, `eth${n}`, rec?.spec.extraNetworkConfig?.[name]?.ip);
    updateRecord(root, id, (r) => ({ spec: r.spec, state: { ...r.state, connected: [...(r.state.connected ?? []), ep] } }));
    refreshNetworkHosts(root, name);
  }
}

/** `network connect [--ip IP] [--alias NAME…] NETWORK CONTAINER`. */
export async function connectNetwork(root: string, networkRef: string, containerRef: string, opts: { ip?: string; aliases?: string[] } = {}): Promise<void> {
  const net = findNetwork(root, networkRef);
  if (!net) throw new NotFoundError(`network ${networkRef} not found`);
  const rec = await getContainer(root, containerRef);
  const { spec } = rec;
  if (spec.network === "host" || spec.network === "none" || spec.network.startsWith("container:")) {
    throw new BerthError(`container sharing network namespace with another container or host cannot be connected to any other network`);
  }
  if (spec.network === net.name || spec.extraNetworks?.includes(net.name)) {
    throw new ConflictError(`endpoint with name ${spec.name} already exists in network ${net.name}`);
  }
  if (opts.ip) checkAddress(net, opts.ip);
  const config = opts.ip || opts.aliases?.length ? { [net.name]: { ip: opts.ip, aliases: opts.aliases?.length ? opts.aliases : undefined } } : {};
  updateRecord(root, spec.id, (r) => ({
    spec: { ...r.spec, extraNetworks: [...(r.spec.extraNetworks ?? []), net.name], extraNetworkConfig: { ...r.spec.extraNetworkConfig, ...config } },
    state: r.state,
  }));
  if (running(rec)) await joinExtraNetworks(root, spec.id, rec.state.pid!, [net.name]);
}

export async function disconnectNetwork(root: string, networkRef: string, containerRef: string): Promise<void> {
  const net = findNetwork(root, networkRef);
  if (!net) throw new NotFoundError(`network ${networkRef} not found`);
  const rec = await getContainer(root, containerRef);
  if (!rec.spec.extraNetworks?.includes(net.name)) {
    throw new BerthError(
      rec.spec.network === net.name
        ? `container ${rec.spec.name} cannot be disconnected from its first network ${net.name} (berth keeps a container's first network)`
        : `container ${rec.spec.name} is not connected to network ${net.name}`,
    );
  }
  let ep: EndpointState | undefined;
  updateRecord(root, rec.spec.id, (r) => {
    ep = r.state.connected?.find((e) => e.network === net.name);
    return {
      spec: {
        ...r.spec,
        extraNetworks: r.spec.extraNetworks?.filter((n) => n !== net.name),
        extraNetworkConfig: Object.fromEntries(Object.entries(r.spec.extraNetworkConfig ?? {}).filter(([n]) => n !== net.name)),
      },
      state: { ...r.state, connected: r.state.connected?.filter((e) => e.network !== net.name) },
    };
  });
  if (ep) await disconnectEndpoint(root, rec.spec.id, ep);
  refreshNetworkHosts(root, net.name);
}
