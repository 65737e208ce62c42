/**
 * Containers under the root: `ROOT/containers/ID/container.json` holds the spec and the state, next
 * to the container's overlay dirs and its /etc files. Records are replaced by rename (never seen
 * half-written); names are claimed atomically as symlinks `ROOT/containers/names/NAME -> ID`. Runtime state is not
 * fsync'd: after a power cut a container is at worst reported as exited, never half-listed.
 */
import { join } from "../util/path.ts";
import { tempNameFor } from "../util/atomic_write.ts";
import { BerthError } from "../util/errors.ts";
import { withLockSync } from "../util/lock.ts";
import type { ContainerSpec } from "./spec.ts";
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
  /** a restart is scheduled (restart policy back-off) */
  restarting?: boolean;
  /** its place on a bridge network while it runs */
  network?: EndpointState;
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

export function containersDir(root: string): string {
  return join(root, "containers");
}

export function containerDir(root: string, id: string): string {
  return join(root, "containers", id);
}

export function newContainerId(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Docker's random names: adjective_scientist. */
export function randomName(): string {
  const a = ["brave", "calm", "eager", "fond", "keen", "lucid", "merry", "nifty", "quirky", "sharp", "tender", "witty"];
  const b = ["curie", "darwin", "euler", "gauss", "hopper", "lovelace", "noether", "pascal", "ritchie", "turing"];
  const pick = <T>(l: T[]) => l[crypto.getRandomValues(new Uint32Array(1))[0] % l.length];
  return `${pick(a)}_${pick(b)}${crypto.getRandomValues(new Uint16Array(1))[0] % 1000}`;
}

export function readRecord(root: string, id: string): ContainerRecord | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(join(containerDir(root, id), "container.json"))) as ContainerRecord;
  } catch {
    return undefined;
  }
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
  if (!NAME.test(name)) throw new BerthError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
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
      throw new BerthError(
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

/** Finds a container by full or short ID, or name. */
export function findContainer(root: string, ref: string): ContainerRecord | undefined {
  const recs = listRecords(root);
  const byName = recs.find((r) => r.spec.name === ref.replace(/^\//, ""));
  if (byName) return byName;
  const hits = /^[0-9a-f]+$/.test(ref) ? recs.filter((r) => r.spec.id.startsWith(ref)) : [];
  if (hits.length > 1) throw new BerthError(`multiple containers found with provided prefix: ${ref}`);
  return hits[0];
}

/** Whether `pid` runs (a zombie does not: its parent may be an init that reaps late). */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

/** Names of the containers that mount volume `name`. */
export function volumeUsers(root: string, name: string): string[] {
  return listRecords(root).filter((r) => r.spec.mounts.some((m) => m.type === "volume" && m.source === name))
    .map((r) => r.spec.name);
}
