/** `berth.networks`: bridge networks of the client's root, and containers joining or leaving them. */
import { createNetwork, listNetworks, networkInspect, type NetworkOptions, type NetworkRecord, removeNetwork } from "../container/network/networks.ts";
import { connectNetwork, disconnectNetwork } from "../container/network/connect.ts";
import { pruneNetworks } from "../container/prune.ts";
import type { ClientContext } from "./context.ts";

export class Networks {
  constructor(readonly ctx: ClientContext) {}

  /** A bridge network (`subnet`, `gateway`, `ipRange`, `internal`, `labels`, bridge `options`). */
  async create(name: string, opts: NetworkOptions = {}): Promise<NetworkRecord> {
    return await createNetwork(this.ctx.root, name, opts);
  }

  /** The root's networks (`bridge` among them once it has been used). */
  list(): NetworkRecord[] {
    return listNetworks(this.ctx.root);
  }

  /** `docker network inspect`'s object; a `NotFoundError` if there is no such network. */
  inspect(ref: string): Record<string, unknown> {
    return networkInspect(this.ctx.root, ref);
  }

  /** Removes it (its bridge and iptables rules too); a `ConflictError` while a container is on it. */
  async remove(ref: string): Promise<void> {
    await removeNetwork(this.ctx.root, ref);
  }

  /** Puts a running or stopped container on the network, at `ip` if given, with DNS `aliases`. */
  async connect(network: string, container: string, opts: { ip?: string; aliases?: string[] } = {}): Promise<void> {
    await connectNetwork(this.ctx.root, network, container, opts);
  }

  async disconnect(network: string, container: string): Promise<void> {
    await disconnectNetwork(this.ctx.root, network, container);
  }

  /** Removes the user networks no container is on; their names. */
  async prune(): Promise<string[]> {
    return await pruneNetworks(this.ctx.root);
  }
}
