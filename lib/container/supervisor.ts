/**
 * The supervisor of detached containers: one `berth supervise` process per root, started by the first
 * command that needs it and gone once no container needs it (after a short idle time). It is the
 * parent of every detached container's init, so it learns their exit codes; it writes their logs
 * (json-file, rotated) and applies restart policies with Docker's back-off.
 *
 * One process for all containers keeps the cost per container low: an idle Deno process costs ~35 MB,
 * shared by every container it watches (bench/README.md has the measurement).
 *
 * Containers with restart policy always or unless-stopped that died with an earlier supervisor (kill -9)
 * are started again when the next one starts, as Docker's daemon does when it starts.
 *
 * Protocol: one JSON object per line over `ROOT/supervisor.sock`; `{"op":"start","id":…}` →
 * `{"ok":true,"pid":…}` or `{"ok":false,"error":…,"exitCode":…}`.
 *
 * `berth system service` is the supervisor itself ({@link embedSupervisor}): the API's process is the parent of
 * the containers it starts and of those the CLI starts while it runs, as dockerd is.
 */
import { join } from "../util/path.ts";
import { BerthError, messageOf, NotFoundError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { KILLED_WITH_BERTH, reconcile } from "./cleanup.ts";
import { logPath, LogWriter } from "./logs.ts";
import { restartDelay, shouldRestart } from "./restart_policy.ts";
import { type ConsoleSize, StartCancelled } from "./launch.ts";
import { startContainer } from "./run.ts";
import { startHealthChecks } from "./health.ts";
import { listRecords, readRecord, updateRecord } from "./state.ts";
import { openStdinReader, openStdinWriter } from "./stdin_fifo.ts";
import { closeFd, fdReadable } from "../ffi/fd.ts";

const IDLE_EXIT_MS = 3000;

export interface SupervisorRequest {
  /** start a container; resize a detached -t container's terminal */
  op: "start" | "resize";
  id: string;
  columns?: number;
  rows?: number;
}

export interface SupervisorReply {
  ok: boolean;
  pid?: number;
  error?: string;
  exitCode?: number;
}

export function socketPath(root: string): string {
  return join(root, "supervisor.sock");
}

export class Supervisor {
  /** holds: the process embedding it (the API service) keeps it from its idle exit while it serves */
  #holds = 0;
  /** shutting down (SIGTERM to the service): exits end no restart policy; the next supervisor restarts them */
  #shuttingDown = false;
  #running = new Map<string, number>();
  /** the terminals of running -t containers, by id */
  #resizers = new Map<string, (columns: number, rows: number) => void>();
  /** starts in progress (not yet in #running): the supervisor must not go idle under them */
  #starting = 0;
  /** connections being answered: a request accepted just before the idle exit keeps the process */
  #handling = 0;
  #pendingRestarts = new Map<string, ReturnType<typeof setTimeout>>();
  #delays = new Map<string, number>();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #listener: Deno.Listener | undefined;
  /** settles when it has stopped serving */
  served: Promise<void> = Promise.resolve();
  /** ends the hold of the process that embeds it */
  releaseHold: () => void = () => {};

  constructor(readonly root: string) {}

  async serve(): Promise<void> {
    const path = socketPath(this.root);
    try {
      Deno.removeSync(path); // stale: the lock says no other supervisor runs
    } catch { /* none */ }
    this.#listener = Deno.listen({ transport: "unix", path });
    Deno.chmodSync(path, 0o600);
    // a container that was running under a killed supervisor died with it: record it, restart it if its policy says so
    await reconcile(this.root);
    for (const rec of listRecords(this.root)) {
      const policy = rec.spec.restartPolicy?.name;
      if ((policy === "always" || policy === "unless-stopped") && rec.state.status === "exited" && !rec.state.manuallyStopped &&
        (rec.state.error === KILLED_WITH_BERTH || rec.state.stoppedWithEngine)) {
        this.#scheduleRestart(rec.spec.id, 0);
      }
    }
    this.#armIdle();
    for (;;) {
      for await (const conn of this.#listener) this.#handle(conn).catch((err) => debug(`supervisor: ${messageOf(err)}`));
      // the idle exit closed the listener; a request accepted just before it keeps this process (which
      // still holds the root's lock): listen again, so that clients reach it rather than wait for a new one
      if (!this.#busy()) break;
      try {
        Deno.removeSync(path);
      } catch { /* gone */ }
      this.#listener = Deno.listen({ transport: "unix", path });
      Deno.chmodSync(path, 0o600);
    }
  }

  async #handle(conn: Deno.Conn): Promise<void> {
    this.#disarmIdle();
    this.#handling++;
    try {
      const line = await readLine(conn);
      const req = JSON.parse(line) as SupervisorRequest;
      let reply: SupervisorReply;
      if (req.op === "start") reply = await this.#startReply(req.id, req.columns && req.rows ? { columns: req.columns, rows: req.rows } : undefined);
      else if (req.op === "resize") {
        const ok = !!req.columns && !!req.rows && this.resize(req.id, req.columns, req.rows);
        reply = { ok, error: ok ? undefined : `container ${req.id} has no terminal here` };
      }
      else reply = { ok: false, error: `unknown request ${JSON.stringify(req.op)}` };
      await conn.write(new TextEncoder().encode(JSON.stringify(reply) + "\n"));
    } finally {
      conn.close();
      this.#handling--;
      this.#armIdle();
    }
  }

  async #startReply(id: string, size?: ConsoleSize): Promise<SupervisorReply> {
    try {
      const pid = await this.start(id, false, size);
      return { ok: true, pid };
    } catch (err) {
      return { ok: false, error: messageOf(err), exitCode: err instanceof BerthError ? err.exitCode : 125 };
    }
  }

  /** Starts container `id` under this process, with its output going to its log. */
  /** Starts the container under this supervisor (`size`: its terminal's, from the start). */
  async start(id: string, unlessStopped = false, size?: ConsoleSize): Promise<number> {
    this.#starting++;
    try {
      return await this.#start(id, unlessStopped, size);
    } finally {
      this.#starting--;
    }
  }

  async #start(id: string, unlessStopped: boolean, size?: ConsoleSize): Promise<number> {
    const pending = this.#pendingRestarts.get(id);
    if (pending !== undefined) {
      clearTimeout(pending);
      this.#pendingRestarts.delete(id);
    }
    const rec = readRecord(this.root, id);
    if (!rec) throw new NotFoundError(`No such container: ${id}`);
    const dir = join(this.root, "containers", id);
    // `--log-driver none`: the output goes nowhere
    const noLog = rec.spec.log?.driver === "none";
    const log = noLog ? undefined : new LogWriter(logPath(dir, id), rec.spec.log ?? { maxSize: 0, maxFile: 1 });
    let c;
    const startedAt = Date.now();
    // `-i`: input from the container's FIFO, which an attached client writes — the process's stdin, or
    // with `-t` its terminal's input (pumped below)
    const fifo = rec.spec.process.openStdin ? openStdinReader(dir) : undefined;
    // `-i` without StdinOnce: a writer of our own keeps the stdin open between attaches (`run -di cat` waits)
    let keeper = fifo !== undefined && !rec.spec.process.stdinOnce ? openStdinWriter(dir) : undefined;
    const dropKeeper = () => {
      if (keeper !== undefined) closeFd(keeper);
      keeper = undefined;
    };
    const stdin = fifo !== undefined && !rec.spec.tty ? { fd: fifo } : "null" as const;
    let restartIn: number | undefined;
    let pumps: Promise<void>[] = [];
    // a quick container can exit before startContainer has returned here: the drain waits for the pumps
    let pumpsStarted = () => {};
    const started = new Promise<void>((r) => (pumpsStarted = r));
    try {
      c = await startContainer(id, {
        root: this.root,
        unlessStopped,
        consoleSize: size,
        stdio: { stdin, stdout: noLog ? "null" : "piped", stderr: noLog ? "null" : "piped" },
        drain: async () => {
          await started;
          await Promise.all(pumps);
          log?.close();
        },
        // decided with the exit record, so nobody sees "exited" for a container about to restart
        exitState: ({ exitCode }, state) => {
          if (this.#shuttingDown) return { stoppedWithEngine: true };
          const policy = rec.spec.restartPolicy;
          if (!policy || !shouldRestart(policy, exitCode, state.restartCount ?? 0, !!state.manuallyStopped)) return {};
          restartIn = restartDelay(this.#delays.get(id) ?? 0, Date.now() - startedAt);
          return { restarting: true, restartCount: (state.restartCount ?? 0) + 1 };
        },
      });
    } catch (err) {
      log?.close();
      dropKeeper();
      throw err;
    } finally {
      if (typeof stdin === "object") closeFd(stdin.fd); // the container has its own copy
      else if (fifo !== undefined && !c) closeFd(fifo);
    }
    if (fifo !== undefined && rec.spec.tty) {
      if (c.stdin) fdReadable(fifo).pipeTo(c.stdin).catch(() => {});
      else closeFd(fifo);
    }
    if (c.resize) this.#resizers.set(id, c.resize);
    this.#running.set(id, c.pid);
    this.#disarmIdle();
    const stopHealth = startHealthChecks(this.root, rec.spec);
    if (log) pumps = [pump(c.stdout, (t) => log.write("stdout", t)), pump(c.stderr, (t) => log.write("stderr", t))];
    pumpsStarted();
    c.status.then(() => {
      dropKeeper();
      this.#resizers.delete(id);
      stopHealth();
      this.#running.delete(id);
      if (restartIn !== undefined) {
        this.#delays.set(id, restartIn);
        this.#scheduleRestart(id, restartIn);
      } else {
        this.#delays.delete(id);
        this.#armIdle();
      }
    });
    return c.pid;
  }

  #scheduleRestart(id: string, delay: number): void {
    this.#disarmIdle();
    this.#pendingRestarts.set(
      id,
      setTimeout(() => {
        this.#pendingRestarts.delete(id);
        const rec = readRecord(this.root, id);
        if (!rec || rec.state.manuallyStopped) return this.#armIdle();
        this.start(id, true).catch((err) => {
          debug(`restart ${id}: ${messageOf(err)}`);
          // a stop that overtook the restart is no error of the container's
          const error = err instanceof StartCancelled ? {} : { error: messageOf(err) };
          updateRecord(this.root, id, (now) => ({ spec: now.spec, state: { ...now.state, restarting: false, ...error } }));
          this.#armIdle();
        });
      }, delay),
    );
  }

  #busy(): boolean {
    return this.#holds > 0 || this.watching();
  }

  /** Whether it has containers or work of its own (holds aside). */
  watching(): boolean {
    return this.#running.size > 0 || this.#pendingRestarts.size > 0 || this.#starting > 0 || this.#handling > 0;
  }

  /** Keeps the supervisor from its idle exit until the returned release is called. */
  hold(): () => void {
    this.#holds++;
    this.#disarmIdle();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      this.#armIdle();
    };
  }

  /** Sets a -t container's terminal size; false when it has none here. */
  resize(id: string, columns: number, rows: number): boolean {
    const resize = this.#resizers.get(id);
    if (resize) resize(columns, rows);
    return !!resize;
  }

  /**
   * Stops every container it watches (its stop signal, SIGKILL after `timeoutSec`) without marking them
   * stopped by hand: the next supervisor of the root restarts those whose policy says so, as dockerd does
   * after its own restart. Pending restarts are dropped.
   */
  async shutdown(timeoutSec = 10): Promise<void> {
    this.#shuttingDown = true;
    for (const t of this.#pendingRestarts.values()) clearTimeout(t);
    this.#pendingRestarts.clear();
    const pids = [...this.#running.entries()];
    for (const [id, pid] of pids) {
      const rec = readRecord(this.root, id);
      try {
        Deno.kill(pid, (rec?.spec.stopSignal ?? "SIGTERM") as Deno.Signal);
      } catch { /* gone */ }
    }
    const until = Date.now() + timeoutSec * 1000;
    while (this.#running.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const pid of this.#running.values()) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    while (this.#running.size > 0 && Date.now() < until + 5000) await new Promise((r) => setTimeout(r, 20));
  }

  #disarmIdle(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  #armIdle(): void {
    this.#disarmIdle();
    if (this.#busy()) return;
    this.#idleTimer = setTimeout(() => {
      if (this.#busy()) return;
      try {
        Deno.removeSync(socketPath(this.root));
      } catch { /* gone */ }
      this.#listener?.close();
    }, IDLE_EXIT_MS);
  }
}

/** One line of the protocol (without its newline; "" when the peer closed first). */
export async function readLine(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(65536);
  let text = "";
  while (!text.includes("\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text.split("\n")[0];
}

async function pump(stream: ReadableStream<Uint8Array> | null, write: (text: string) => void): Promise<void> {
  if (!stream) return;
  const dec = new TextDecoder();
  for await (const chunk of stream) write(dec.decode(chunk, { stream: true }));
}

/** Supervisors running in this process, by root: supervisor_client calls them directly. */
const local = new Map<string, Supervisor>();

/** Processes that embed a supervisor but wait for another to leave: their claim, by root. */
const claimers = new Map<string, () => void>();

/**
 * The supervisor of `root` if this process is it. A process that embeds one but waits for another
 * supervisor to leave claims it now if it can; while the other still answers on its socket, undefined
 * (ask it there). Never undefined without an answering socket: a process that embeds the supervisor must
 * not have a `berth supervise` started behind its back.
 */
export async function localSupervisor(root: string): Promise<Supervisor | undefined> {
  const claim = claimers.get(root);
  for (let i = 0; !local.has(root) && claim && i < 600; i++) {
    claim();
    if (local.has(root)) break;
    try {
      (await Deno.connect({ transport: "unix", path: socketPath(root) })).close();
      return undefined;
    } catch { /* leaving: its lock is released in a moment */ }
    await new Promise((r) => setTimeout(r, 25));
  }
  return local.get(root);
}

/** Serves `root` as its supervisor (the caller holds its lock, closed when it stops); `held`: not idle yet. */
function runSupervisor(root: string, lock: Deno.FsFile, held: boolean): Supervisor {
  const sup = new Supervisor(root);
  if (held) sup.releaseHold = sup.hold();
  local.set(root, sup);
  sup.served = sup.serve().finally(() => {
    local.delete(root);
    lock.close();
  });
  return sup;
}

export interface EmbeddedSupervisor {
  /** whether it has containers to watch (the embedding process must not exit then) */
  watching(): boolean;
  /** stops its containers (service shutdown; see {@link Supervisor.shutdown}) */
  shutdown(): Promise<void>;
  /** lets it go once idle; settles when it has stopped serving */
  release(): Promise<void>;
}

/**
 * Makes this process the supervisor of `root` (the API service does): at once when no supervisor runs;
 * otherwise the running one keeps its containers, requests go to it over its socket, and this process
 * takes over as soon as it leaves (its lock is released when it has nothing left to watch).
 */
export function embedSupervisor(root: string): EmbeddedSupervisor {
  Deno.mkdirSync(root, { recursive: true });
  const lock = Deno.openSync(join(root, "supervisor.lock"), { read: true, write: true, create: true, mode: 0o600 });
  let sup: Supervisor | undefined;
  let released = false;
  const claim = () => {
    try {
      if (sup || released || !lock.tryLockSync(true)) return;
    } catch (err) {
      return debug(`supervisor: ${messageOf(err)}`);
    }
    clearInterval(poll);
    claimers.delete(root);
    sup = runSupervisor(root, lock, true);
  };
  // tryLock rather than a blocking lock(): a pending lock() would keep a thread and the event loop forever
  const poll = setInterval(claim, 250);
  claimers.set(root, claim);
  claim();
  return {
    watching: () => sup?.watching() ?? false,
    shutdown: async () => {
      await sup?.shutdown();
    },
    release: async () => {
      released = true;
      clearInterval(poll);
      claimers.delete(root);
      if (!sup) return lock.close();
      sup.releaseHold();
      await sup.served;
    },
  };
}

/**
 * `berth supervise`: runs the supervisor for `root` unless one already does (the lock file decides),
 * until it has nothing left to watch.
 */
export async function supervise(root: string): Promise<void> {
  Deno.mkdirSync(root, { recursive: true });
  const lock = Deno.openSync(join(root, "supervisor.lock"), { read: true, write: true, create: true, mode: 0o600 });
  // one supervisor per root: wait a little for one that is shutting down; give up if another serves
  const got = await Promise.race([lock.lock(true).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
  if (!got) Deno.exit(0);
  // no terminal can stop it: it has its own session (detached spawn); SIGHUP is ignored anyway
  Deno.addSignalListener("SIGHUP", () => {});
  await runSupervisor(root, lock, false).served;
}
