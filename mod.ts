/**
 * berth's public API: everything the `berth` command does, as typed functions for Deno scripts.
 *
 * @example
 * ```ts
 * import { listImages, pull } from "./mod.ts";
 * await pull("127.0.0.1:5000/busybox:latest", { root: "/var/lib/berth" });
 * console.log(listImages("/var/lib/berth"));
 * ```
 * @module
 */
export { VERSION } from "./lib/version.ts";
export { BerthError } from "./lib/util/errors.ts";
export { DEFAULT_ROOT, type ImageRecord, type LayerRecord } from "./lib/image/store.ts";
export { formatReference, parseReference, type Reference } from "./lib/image/reference.ts";
export { pull, type PullOptions, type PullResult } from "./lib/image/pull.ts";
export { type ImageSummary, listImages } from "./lib/image/list.ts";
export { removeImage, type RemoveOptions } from "./lib/image/remove.ts";
export { type HistoryRow, imageHistory, type ImageInspect, inspectImage } from "./lib/image/inspect.ts";
export { tagImage } from "./lib/image/tag.ts";
export { exportImage } from "./lib/image/export.ts";
export { type SaveFormat, saveImages, type SaveOptions } from "./lib/image/save.ts";
export { type LoadedImage, loadImages, type LoadOptions } from "./lib/image/load.ts";
export { login, type LoginOptions, logout } from "./lib/image/login.ts";
export { type ExitResult, run, type RunningContainer, type RunOptions, startContainer, type StartOptions } from "./lib/container/run.ts";
export { createContainer } from "./lib/container/create.ts";
export { startDetached } from "./lib/container/supervisor_client.ts";
export {
  getContainer,
  killContainer,
  pauseContainer,
  pruneContainers,
  removeContainer,
  renameContainer,
  stopContainer,
  waitContainer,
} from "./lib/container/lifecycle.ts";
export { type ContainerUpdate, updateContainer } from "./lib/container/update.ts";
export { execInContainer, type ExecOptions, type ExecProcess } from "./lib/container/exec.ts";
export { inspectRecord as inspectContainer } from "./lib/container/describe.ts";
export { type ContainerRecord, listRecords as listContainers } from "./lib/container/state.ts";
export { containerLogs, followLogs, type LogOptions } from "./lib/container/log_follow.ts";
export type { LogEntry } from "./lib/container/logs.ts";
export { copyFromContainer, copyToContainer, diffContainer, exportContainer } from "./lib/container/files.ts";
export { type ResourceLimits } from "./lib/container/cgroups/limits.ts";
export {
  createVolume,
  inspectVolume,
  listVolumes,
  removeVolume,
  type VolumeInfo,
} from "./lib/container/volumes.ts";
export { volumeUsers } from "./lib/container/state.ts";
export {
  createNetwork,
  listNetworks,
  networkInspect,
  type NetworkRecord,
  removeNetwork,
} from "./lib/container/network/networks.ts";
export { connectNetwork, disconnectNetwork } from "./lib/container/network/connect.ts";
export { type CommitOptions, commitContainer } from "./lib/image/commit.ts";
export { push, type PushOptions, type PushResult } from "./lib/image/push.ts";
export { build, type BuildOptions, pruneBuildCache } from "./lib/image/build.ts";
export { defaultServiceUri, engineRouter, type Service, type ServiceOptions, startService } from "./lib/api/service.ts";
export { HttpServer } from "./lib/api/http/server.ts";
