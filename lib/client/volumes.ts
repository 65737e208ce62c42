/** `berth.volumes`: named volumes of the client's root. */
import { createVolume, inspectVolume, listVolumes, removeVolume, type VolumeInfo } from "../container/volumes.ts";
import { volumeUsers } from "../container/state.ts";
import { pruneVolumes } from "../container/prune.ts";
import type { ClientContext } from "./context.ts";

export class Volumes {
  constructor(readonly ctx: ClientContext) {}

  /**
   * A volume (a random name if none is given); one that exists is returned as it is, as Docker's.
   * `options` are the local driver's (`type`, `device`, `o`), mounted when a container first uses it.
   */
  async create(name?: string, opts: { labels?: Record<string, string>; options?: Record<string, string> } = {}): Promise<VolumeInfo> {
    return (await createVolume(this.ctx.root, name, opts.labels, opts.options)).volume;
  }

  list(): VolumeInfo[] {
    return listVolumes(this.ctx.root);
  }

  /** `docker volume inspect`'s object; a `NotFoundError` if there is no such volume. */
  inspect(name: string): VolumeInfo {
    return inspectVolume(this.ctx.root, name);
  }

  /** Removes it and its data; a `ConflictError` while a container uses it. */
  async remove(name: string): Promise<void> {
    await removeVolume(this.ctx.root, name, volumeUsers(this.ctx.root, name));
  }

  /** Removes the volumes no container uses; their names. */
  async prune(): Promise<string[]> {
    return await pruneVolumes(this.ctx.root);
  }
}
