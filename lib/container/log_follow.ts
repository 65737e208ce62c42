/** `berth logs` (and attaching to a supervised container): print the json-file log, optionally following it. */
import { BerthError, NotFoundError } from "../util/errors.ts";
import { type LogEntry, logPath, parseSince, readLogUpTo } from "./logs.ts";
import { JsonLinesFollower } from "../util/json_lines.ts";
import { containerDir, findContainer, pidAlive, readRecord } from "./state.ts";

export interface LogOptions {
  follow?: boolean;
  /** last N lines ("all" or undefined: everything) */
  tail?: number;
  timestamps?: boolean;
  since?: string;
  /** only lines before this time (a timestamp, or relative: 10m); a follow ends there */
  until?: string;
  /** where entries go (default: berth's stdout and stderr); awaited, so a slow reader slows the follow */
  sink?: (e: LogEntry) => void | Promise<void>;
  /** stop following when this says so (a client that went away) */
  signal?: AbortSignal;
  /** how often the file and the record are looked at while following: a fixed ms, or by time since the start (default 50 ms) */
  pollMs?: number | ((sinceStart: number) => number);
}

const enc = new TextEncoder();

function emit(e: LogEntry, timestamps: boolean): void {
  const text = timestamps ? `${e.time} ${e.log}` : e.log;
  const b = enc.encode(text);
  const out = e.stream === "stderr" ? Deno.stderr : Deno.stdout;
  let off = 0;
  while (off < b.length) off += out.writeSync(b.subarray(off));
}

function logOf(root: string, ref: string, opts: LogOptions, follow = false) {
  const rec = findContainer(root, ref);
  if (!rec) throw new NotFoundError(`No such container: ${ref}`);
  if (rec.spec.log?.driver === "none") throw new BerthError("configured logging driver does not support reading");
  const id = rec.spec.id;
  const path = logPath(containerDir(root, id), id);
  // opened before the read: a container removed at once after it exited (docker-py's run(remove=True)
  // deletes it while its follow is open) still has its last lines read
  const follower = follow ? new JsonLinesFollower<LogEntry>(path) : undefined;
  const since = opts.since ? parseSince(opts.since) : undefined;
  const until = opts.until ? parseSince(opts.until) : undefined;
  const keep = (e: LogEntry) => (since === undefined || Date.parse(e.time) >= since) && (until === undefined || Date.parse(e.time) < until);
  const read = readLogUpTo(path, rec.spec.log?.maxFile ?? 1);
  let entries = read.entries.filter(keep);
  if (opts.tail !== undefined) entries = opts.tail === 0 ? [] : entries.slice(-opts.tail);
  if (follower) follower.offset = read.offset;
  return { id, keep, entries, follower, until };
}

/**
 * The container's log as it is now (rotated files included), after `tail` and `since`.
 *
 * @example
 * ```ts
 * for (const e of containerLogs("/var/lib/berth", "web", { tail: 10 })) console.log(e.stream, e.time, e.log);
 * ```
 */
export function containerLogs(root: string, ref: string, opts: Omit<LogOptions, "follow" | "timestamps"> = {}): LogEntry[] {
  return logOf(root, ref, opts).entries;
}

/**
 * The container's log entries, oldest first; with `follow`, the new ones as they are written, until the
 * container has stopped for good (or `until`, or `signal`).
 *
 * @example
 * ```ts
 * for await (const e of streamLogs("/var/lib/berth", "web", { follow: true, tail: 0 })) console.log(e.log.trimEnd());
 * ```
 */
export async function* streamLogs(root: string, ref: string, opts: Omit<LogOptions, "sink" | "timestamps"> = {}): AsyncGenerator<LogEntry> {
  const { id, keep, entries, follower, until } = logOf(root, ref, opts, !!opts.follow);
  try {
    yield* entries;
    if (!follower) return;
    const started = performance.now();
    // follow the live file from where the read above stopped (through a rotation: see JsonLinesFollower)
    for (;;) {
      if (opts.signal?.aborted) return;
      if (until !== undefined && Date.now() >= until) return;
      const now = readRecord(root, id);
      const done = !now || ((now.state.status !== "running" && !now.state.restarting) || !pidAlive(now.state.monitorPid));
      const items = follower.read();
      if (items.length) {
        for (const e of items) if (keep(e)) yield e;
        continue;
      }
      if (done) return;
      const wait = typeof opts.pollMs === "function" ? opts.pollMs(performance.now() - started) : opts.pollMs ?? 50;
      await new Promise((r) => setTimeout(r, wait));
    }
  } finally {
    follower?.close();
  }
}

/** Prints the container's log (or hands it to `sink`); with `follow`, keeps on until it has stopped for good. */
export async function followLogs(root: string, ref: string, opts: LogOptions = {}): Promise<void> {
  const out = opts.sink ?? ((e: LogEntry) => emit(e, !!opts.timestamps));
  for await (const e of streamLogs(root, ref, opts)) await out(e);
}
