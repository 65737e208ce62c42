/**
 * Containers under the root: `ROOT/containers/ID/container.json` holds the spec and the state, next
 * to the container's overlay dirs and its /etc files. Records are replaced by rename (never seen
 * half-written); names are claimed atomically as symlinks `ROOT/containers/names/NAME -> ID`. Runtime state is not
 * fsync'd: after a power cut a container is at worst reported as exited, never half-listed.
 */
import { randomHexId } from "../util/random_id.ts";
import { logEvent } from "./events_log.ts";
import { join } from "../util/path.ts";
import { tempNameFor } from "../util/atomic_write.ts";
import { BerthError, ConflictError } from "../util/errors.ts";
import { withLockSync } from "../util/lock.ts";
import type { ContainerSpec, PortSpec } from "./spec.ts";
import type { EndpointState } from "./network/endpoint.ts";
import type { HealthState } from "./health.ts";

export type ContainerStatus = "created" | "running" | "exited";

export interface ContainerState {
  status: ContainerStatus;
  /** host pid of the container's first process */
  pid?: number;
  /** the berth process that watches it (foreground run or supervisor) */
  monitorPid?: number;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  error?: string;
  paused?: boolean;
  restartCount?: number;
  /** stopped or killed by a berth command: restart policies leave it alone */
  manuallyStopped?: boolean;
  /** stopped because the API service that watched it shut down: its restart policy applies at the next start */
  stoppedWithEngine?: boolean;
  /** a restart is scheduled (restart policy back-off) */
  restarting?: boolean;
  /** its place on a bridge network while it runs */
  network?: EndpointState;
  /** published ports while it runs on a network without an endpoint (an ordinary user's slirp4netns) */
  ports?: PortSpec[];
  /** more networks it was connected to (`network connect`), as eth1, eth2, … */
  connected?: EndpointState[];
  /** its health check's results, while it runs */
  health?: HealthState;
}

export interface ContainerRecord {
  spec: ContainerSpec;
  state: ContainerState;
}

const NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** Names of containers, volumes and networks become file names: well below the 255-byte limit. */
export const MAX_NAME = 128;
/** A name as an error shows it: an absurdly long one is cut. */
export const shortened = (name: string) => (name.length > 40 ? `${name.slice(0, 40)}…` : name);

export function containersDir(root: string): string {
  return join(root, "containers");
}

export function containerDir(root: string, id: string): string {
  return join(root, "containers", id);
}

export const newContainerId: () => string = randomHexId;

/** Docker's random names: adjective_scientist. */
export function randomName(): string {
  const a = ["brave", "calm", "eager", "fond", "keen", "lucid", "merry", "nifty", "quirky", "sharp", "tender", "witty"];
  const b = ["curie", "darwin", "euler", "gauss", "hopper", "lovelace", "noether", "pascal", "ritchie", "turing"];
  const pick = <T>(l: T[]) => l[crypto.getRandomValues(new Uint32Array(1))[0] % l.length];
  return `${pick(a)}_${pick(b)}${crypto.getRandomValues(new Uint16Array(1))[0] % 1000}`;
}

/** A container whose record cannot be read: named by its file, removable with `rm -f`. */
export class CorruptRecordError extends BerthError {
  constructor(readonly id: string, readonly path: string, why: string) {
    super(`${path} is corrupt (${why}); 'berth rm -f ${id.slice(0, 12)}' removes the container`);
    this.name = "CorruptRecordError";
  }
}

/** The record of `id`; undefined when there is none (yet, or any more); a CorruptRecordError when bad. */
export function readRecordOrError(root: string, id: string): ContainerRecord | undefined | CorruptRecordError {
  const path = join(containerDir(root, id), "container.json");
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    return new CorruptRecordError(id, path, err instanceof Error ? err.message.replace(/ \(os error \d+\).*$/, "") : String(err));
  }
  let rec: ContainerRecord;
  try {
    rec = JSON.parse(text) as ContainerRecord;
  } catch {
    return new CorruptRecordError(id, path, text.length ? "not valid JSON" : "empty");
  }
  if (!rec || typeof rec !== "object" || !rec.spec || !rec.state || rec.spec.id !== id || !Array.isArray(rec.spec.process?.args)) {
    return new CorruptRecordError(id, path, "not a container record");
  }
  return rec;
}

export function readRecord(root: string, id: string): ContainerRecord | undefined {
  const r = readRecordOrError(root, id);
  return r instanceof CorruptRecordError ? undefined : r;
}

/** The containers whose records are corrupt (ps warns about them; rm -f removes them). */
export function corruptRecords(root: string): CorruptRecordError[] {
  return containerIds(root).map((id) => readRecordOrError(root, id)).filter((r): r is CorruptRecordError => r instanceof CorruptRecordError);
}

export function writeRecord(root: string, rec: ContainerRecord): void {
  const path = join(containerDir(root, rec.spec.id), "container.json");
  const tmp = tempNameFor(path);
  Deno.writeTextFileSync(tmp, JSON.stringify(rec), { mode: 0o600 });
  Deno.renameSync(tmp, path);
}

/**
 * Read-modify-write of a record under the container's lock, so two berth processes (a command and the
 * supervisor, say) never lose each other's change. `fn` returns the new record, or undefined to leave
 * it as it is. Returns the record as it now is, or undefined when the container is gone.
 */
export function updateRecord(
  root: string,
  id: string,
  fn: (rec: ContainerRecord) => ContainerRecord | undefined,
): ContainerRecord | undefined {
  let lock: Deno.FsFile;
  try {
    lock = Deno.openSync(join(containerDir(root, id), "lock"), { read: true, write: true, create: true, mode: 0o600 });
  } catch {
    return undefined; // the container's directory is gone: removed
  }
  try {
    lock.lockSync(true);
    const rec = readRecord(root, id);
    if (!rec) return undefined;
    const next = fn(rec);
    if (next) writeRecord(root, next);
    return next ?? rec;
  } finally {
    lock.close();
  }
}

/**
 * Holds container `id`'s start lock (`ROOT/containers/ID/start.lock`) until the file is closed: a start
 * and a removal of one container never overlap (a removal in the middle of a start left a running
 * container without a record). Undefined when the container's directory is gone.
 */
export async function lockContainerStart(root: string, id: string): Promise<Deno.FsFile | undefined> {
  let f: Deno.FsFile;
  try {
    f = Deno.openSync(join(containerDir(root, id), "start.lock"), { read: true, write: true, create: true, mode: 0o600 });
  } catch {
    return undefined;
  }
  await f.lock(true);
  return f;
}

/** IDs of all container directories (including broken ones, for cleanup). */
export function containerIds(root: string): string[] {
  try {
    return [...Deno.readDirSync(containersDir(root))].filter((e) => e.isDirectory && /^[0-9a-f]{64}$/.test(e.name))
      .map((e) => e.name);
  } catch {
    return [];
  }
}

export function listRecords(root: string): ContainerRecord[] {
  return containerIds(root).map((id) => readRecord(root, id)).filter((r): r is ContainerRecord => !!r);
}

function namePath(root: string, name: string): string {
  return join(containersDir(root), "names", name);
}

/**
 * Claims `name` for container `id`: a symlink `containers/names/NAME -> ID`, whose creation is atomic,
 * so two berth processes can never both get one name. A claim whose container is gone is taken over.
 */
export function claimName(root: string, name: string, id: string): void {
  if (!NAME.test(name)) throw new BerthError(`Invalid container name (${shortened(name)}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (name.replace(/^\//, "").length > MAX_NAME) throw new BerthError(`Invalid container name (${shortened(name)}): at most ${MAX_NAME} characters`);
  const path = namePath(root, name.replace(/^\//, ""));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      Deno.symlinkSync(id, path);
      return;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        Deno.mkdirSync(join(containersDir(root), "names"), { recursive: true, mode: 0o700 });
        continue;
      }
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    const owner = Deno.readLinkSync(path);
    if (readRecord(root, owner)) {
      throw new ConflictError(
        `Conflict. The container name "/${name.replace(/^\//, "")}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    // a stale claim (its container is gone): replace it under the lock, then retry
    withLockSync(join(containersDir(root), ".lock"), () => {
      if (Deno.readLinkSync(path) === owner) Deno.removeSync(path);
    });
  }
  throw new BerthError(`cannot claim the container name ${name}`);
}

/** Gives a name back (when its container is removed). */
export function releaseName(root: string, name: string, id: string): void {
  const path = namePath(root, name);
  try {
    if (Deno.readLinkSync(path) === id) Deno.removeSync(path);
  } catch { /* not claimed */ }
}

/** Writes the container's first record (its directory exists and its name is claimed). */
export function createRecord(root: string, spec: ContainerSpec, state: ContainerState = { status: "created" }): void {
  writeRecord(root, { spec, state });
  logEvent(root, spec, "create");
}

/** Makes the (still unlisted) directory of a new container. */
export function makeContainerDir(root: string, id: string): string {
  const dir = containerDir(root, id);
  try {
    Deno.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    Deno.mkdirSync(containersDir(root), { recursive: true, mode: 0o700 });
    Deno.mkdirSync(dir, { mode: 0o700 });
  }
  return dir;
}

/**
 * Finds a container by full or short ID, or name. A container whose record is corrupt is reported
 * by a {@link CorruptRecordError} naming the file (found by ID prefix or by its name's claim).
 */
export function findContainer(root: string, ref: string): ContainerRecord | undefined {
  const recs = listRecords(root);
  const name = ref.replace(/^\//, "");
  const byName = recs.find((r) => r.spec.name === name);
  if (byName) return byName;
  const hits = /^[0-9a-f]+$/.test(ref) ? recs.filter((r) => r.spec.id.startsWith(ref)) : [];
  if (hits.length > 1) throw new BerthError(`multiple containers found with provided prefix: ${ref}`);
  if (hits[0]) return hits[0];
  let claimed: string | undefined;
  try {
    claimed = NAME.test(ref) ? Deno.readLinkSync(namePath(root, name)) : undefined;
  } catch { /* no such name */ }
  const bad = corruptRecords(root).find((c) => c.id === claimed || (/^[0-9a-f]+$/.test(ref) && c.id.startsWith(ref)));
  if (bad) throw bad;
  return undefined;
}

/** The name claimed for container `id` (a scan of the claims, for a container without a readable record). */
export function claimedName(root: string, id: string): string | undefined {
  try {
    for (const e of Deno.readDirSync(join(containersDir(root), "names"))) {
      try {
        if (Deno.readLinkSync(namePath(root, e.name)) === id) return e.name;
      } catch { /* gone meanwhile */ }
    }
  } catch { /* no names yet */ }
  return undefined;
}

export { pidAlive } from "../util/proc_stat.ts";

/** Names of the containers that mount volume `name`. */
export function volumeUsers(root: string, name: string): string[] {
  return listRecords(root).filter((r) => r.spec.mounts.some((m) => m.type === "volume" && m.source === name))
    .map((r) => r.spec.name);
}
