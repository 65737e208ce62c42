/**
 * Logs of detached containers in Docker's json-file format: one JSON object per line,
 * `{"log":"text\n","stream":"stdout","time":"2026-…Z"}`, in `ROOT/containers/ID/ID-json.log`, rotated
 * to `.1`, `.2`, … when it reaches `max-size` (`--log-opt max-size=10m,max-file=3`).
 */
import { parseJsonLines } from "../util/json_lines.ts";
import { UsageError } from "../util/errors.ts";
import { parseTimeArg } from "../util/time_arg.ts";
import { parseBytes } from "./cgroups/limits.ts";

export interface LogConfig {
  /** `--log-driver`: json-file (the default) or none (nothing kept; `logs` refuses) */
  driver?: "json-file" | "none";
  /** bytes before rotation; 0 = never */
  maxSize: number;
  /** files kept, the live one included */
  maxFile: number;
}

export interface LogEntry {
  log: string;
  stream: "stdout" | "stderr";
  time: string;
}

/** `--log-driver` and `--log-opt`s, checked as Docker checks them. */
export function parseLogOptions(opts: string[], driver = "json-file"): LogConfig {
  if (driver !== "json-file" && driver !== "none") {
    throw new UsageError(`logging driver "${driver}" is not supported (berth has json-file and none)`);
  }
  if (driver === "none") {
    if (opts.length) throw new UsageError(`unknown log opt '${opts[0].split("=")[0]}' for none log driver`);
    return { driver, maxSize: 0, maxFile: 1 };
  }
  const c: LogConfig = { maxSize: 0, maxFile: 1 };
  for (const o of opts) {
    const i = o.indexOf("=");
    const [k, v] = i < 0 ? [o, ""] : [o.slice(0, i), o.slice(i + 1)];
    if (k === "max-size") c.maxSize = parseBytes("--log-opt max-size", v);
    else if (k === "max-file") {
      c.maxFile = Number(v);
      if (!Number.isInteger(c.maxFile) || c.maxFile < 1) throw new UsageError(`invalid value for max-file: ${v}`);
    } else throw new UsageError(`unknown log opt '${k}' for json-file log driver`);
  }
  if (c.maxFile > 1 && c.maxSize === 0) throw new UsageError("max-file cannot be set without max-size");
  return c;
}

export function logPath(dir: string, id: string): string {
  return `${dir}/${id}-json.log`;
}

const enc = new TextEncoder();

/** Appends lines to the log, rotating by size. Splits chunks into lines (a partial last line waits). */
export class LogWriter {
  #file: Deno.FsFile;
  #size: number;
  #pending: Record<string, string> = { stdout: "", stderr: "" };

  constructor(readonly path: string, readonly config: LogConfig) {
    this.#file = Deno.openSync(path, { append: true, create: true, mode: 0o640 });
    this.#size = this.#file.statSync().size;
  }

  write(stream: "stdout" | "stderr", text: string): void {
    const all = this.#pending[stream] + text;
    const lines = all.split("\n");
    this.#pending[stream] = lines.pop()!;
    for (const l of lines) this.#append({ log: l + "\n", stream, time: new Date(Date.now()).toISOString() });
  }

  /** Writes what is left of unterminated lines (at the end of a container's run). */
  flush(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.#pending[stream]) this.#append({ log: this.#pending[stream], stream, time: new Date(Date.now()).toISOString() });
      this.#pending[stream] = "";
    }
  }

  close(): void {
    this.flush();
    this.#file.close();
  }

  #append(e: LogEntry): void {
    const b = enc.encode(JSON.stringify(e) + "\n");
    if (this.config.maxSize > 0 && this.#size + b.length > this.config.maxSize && this.#size > 0) this.#rotate();
    let off = 0;
    while (off < b.length) off += this.#file.writeSync(b.subarray(off));
    this.#size += b.length;
  }

  #rotate(): void {
    this.#file.close();
    for (let i = this.config.maxFile - 1; i >= 1; i--) {
      const from = i === 1 ? this.path : `${this.path}.${i - 1}`;
      try {
        Deno.renameSync(from, `${this.path}.${i}`);
      } catch { /* not there yet */ }
    }
    if (this.config.maxFile <= 1) Deno.writeFileSync(this.path, new Uint8Array());
    this.#file = Deno.openSync(this.path, { append: true, create: true, mode: 0o640 });
    this.#size = 0;
  }
}

/** All entries, oldest first (rotated files included). */
export function readLog(path: string, maxFile: number): LogEntry[] {
  return readLogUpTo(path, maxFile).entries;
}

/**
 * The log's entries and how many bytes of the live file they came from (whole lines): a follower goes on
 * from exactly there, so a line written meanwhile is neither lost nor shown twice.
 */
export function readLogUpTo(path: string, maxFile: number): { entries: LogEntry[]; offset: number } {
  const out: LogEntry[] = [];
  let offset = 0;
  const files = [...Array.from({ length: Math.max(0, maxFile - 1) }, (_, i) => `${path}.${maxFile - 1 - i}`), path];
  for (const f of files) {
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(f);
    } catch {
      continue;
    }
    const end = f === path ? bytes.lastIndexOf(10) + 1 : bytes.length;
    if (f === path) offset = end;
    out.push(...parseJsonLines<LogEntry>(new TextDecoder().decode(bytes.subarray(0, end))));
  }
  return { entries: out, offset };
}

/** `--since`/`--until` of logs (see {@link parseTimeArg}). */
export const parseSince = (s: string, now = Date.now()): number => parseTimeArg(s, "since", now);
