/**
 * berth's public API: a client object, {@link Berth}, with `containers`, `images`, `networks`, `volumes` and
 * `events()` as dockerode and docker-py have them — and below it every function the `berth` command uses.
 * Everything runs in the calling process (no daemon); containers started with `detach: true` are handed to
 * berth's supervisor and outlive the script. Errors are typed ({@link NotFoundError}, {@link ConflictError},
 * {@link InvalidArgumentError}), each a {@link BerthError} with Docker's exit code.
 *
 * @example A root of its own, an image built from the host's busybox, containers run from it
 * ```ts
 * import assert from "node:assert";
 * import { Berth, NotFoundError } from "./mod.ts";
 *
 * const berth = new Berth({ root: await Deno.makeTempDir() });
 * const context = await Deno.makeTempDir();
 * await Deno.copyFile("/bin/busybox", `${context}/busybox`);
 * await Deno.writeTextFile(`${context}/Dockerfile`, 'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "echo", "hi"]\n');
 * await berth.images.build({ context, tags: ["hello:1"] });
 * assert.deepEqual(berth.images.list().map((i) => `${i.repository}:${i.tag}`), ["hello:1"]);
 *
 * // in the foreground: waits, returns the exit code and the output
 * const out = await berth.containers.run("hello:1", { rm: true, network: "none" });
 * assert.deepEqual([out.exitCode, out.stdout], [0, "hi\n"]);
 *
 * // detached: berth's supervisor runs it; logs and events are async iterables
 * const web = await berth.containers.run("hello:1", {
 *   detach: true, name: "web", network: "none", command: ["/bin/busybox", "sh", "-c", "echo up; exec sleep 60"],
 * });
 * assert.equal((await web.exec(["/bin/busybox", "cat", "/etc/hostname"])).stdout, `${web.id.slice(0, 12)}\n`);
 * await web.stop({ timeout: 0 });
 * const lines = [];
 * for await (const e of web.logs()) lines.push(e.log);
 * assert.deepEqual(lines, ["up\n"]);
 * const actions = [];
 * for await (const e of berth.events({ since: 0, until: Date.now(), filters: { container: "web" } })) actions.push(e.Action);
 * assert.deepEqual(actions.slice(0, 2), ["create", "start"]);
 *
 * await web.remove();
 * await assert.rejects(berth.containers.get("web"), NotFoundError);
 * await berth.reset(); // everything of the root, gone
 * await Deno.remove(context, { recursive: true });
 * ```
 * @module
 */
export { Berth, type BerthOptions, type EventsOptions, type Moment } from "./lib/client/berth.ts";
export { Container, type ContainerOptions, Containers, type ExecOutput, type RunOutput } from "./lib/client/containers.ts";
export { Images } from "./lib/client/images.ts";
export { Networks } from "./lib/client/networks.ts";
export { Volumes } from "./lib/client/volumes.ts";
export type { ContainerSummary } from "./lib/container/summary.ts";
export type { DockerEvent } from "./lib/container/event_view.ts";
export { type EventStreamOptions, streamEvents } from "./lib/container/event_stream.ts";
export { resetRoot } from "./lib/container/reset.ts";
export { VERSION } from "./lib/version.ts";
export { BerthError, ConflictError, InvalidArgumentError, NotFoundError, UsageError } from "./lib/util/errors.ts";
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
export { containerLogs, followLogs, type LogOptions, streamLogs } from "./lib/container/log_follow.ts";
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
