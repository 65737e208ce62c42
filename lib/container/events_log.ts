/**
 * The root's event log, `ROOT/events.log`: one JSON line per container event (create, start, die, pause,
 * unpause, rename, destroy), appended by whichever berth process makes the change — the CLI, the
 * supervisor, the API service — so that `/events` sees every one, even of a container that lived a
 * millisecond. Kept to ~2 MB (the older half in events.log.1). Writing it never fails a container
 * operation.
 */
import { join } from "../util/path.ts";
import { cstr, trySys } from "../ffi/sys.ts";
import { readJsonLinesFrom } from "../util/json_lines.ts";

export interface LoggedEvent {
  /** ms since the epoch */
  time: number;
  action: string;
  id: string;
  name: string;
  image: string;
  /** the container's labels and the event's own attributes (exitCode, oldName) */
  attributes: Record<string, string>;
}

const MAX_BYTES = 2 << 20;
const NR_write = 1, NR_close = 3, NR_lseek = 8, NR_openat = 257;
const AT_FDCWD = -100, O_WRONLY = 0o1, O_CREAT = 0o100, O_APPEND = 0o2000, O_CLOEXEC = 0o2000000, SEEK_END = 2;
const enc = new TextEncoder();

export const eventsLogPath = (root: string) => join(root, "events.log");

export function logEvent(
  root: string,
  c: { id: string; name: string; image: string; labels?: Record<string, string> },
  action: string,
  attributes: Record<string, string> = {},
): void {
  const line: LoggedEvent = { time: Date.now(), action, id: c.id, name: c.name, image: c.image, attributes: { ...(c.labels ?? {}), ...attributes } };
  const path = eventsLogPath(root);
  // through syscall(2), which `berth run` has loaded anyway: Deno's file ops cost ~0.5 ms an event cold
  const fd = trySys(NR_openat, AT_FDCWD, cstr(path), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600);
  if (fd < 0) return; // an event lost is better than a container operation failed
  try {
    // one write with O_APPEND: lines from several processes never interleave
    const bytes = enc.encode(JSON.stringify(line) + "\n");
    trySys(NR_write, fd, bytes, bytes.length);
    if (trySys(NR_lseek, fd, 0, SEEK_END) > MAX_BYTES) Deno.renameSync(path, `${path}.1`);
  } catch { /* as above */ } finally {
    trySys(NR_close, fd);
  }
}

/** The events in the log from byte `offset` on (whole lines only), and the offset after them. */
export function readEvents(root: string, offset: number): { events: LoggedEvent[]; offset: number } {
  const r = readJsonLinesFrom<LoggedEvent>(eventsLogPath(root), offset);
  return { events: r.items, offset: r.offset };
}

/** Everything kept, oldest first (for `since`). */
export function allEvents(root: string): { events: LoggedEvent[]; offset: number } {
  const older = readJsonLinesFrom<LoggedEvent>(`${eventsLogPath(root)}.1`, 0).items;
  const now = readEvents(root, 0);
  return { events: [...older, ...now.events], offset: now.offset };
}
