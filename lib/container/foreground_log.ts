/**
 * A foreground container's output goes to berth's own stdout and stderr *and* into its json-file log, as
 * Docker's does: `berth run --name x IMG echo hi; berth logs x` prints `hi`. `--rm` containers and the
 * `none` log driver skip it (their stdio is berth's own fds, the fastest start).
 */
import { type LogConfig, logPath, LogWriter } from "./logs.ts";

export interface ForegroundLog {
  /** the bytes the container's terminal printed (`-t`: one stream, logged as stdout) */
  terminal(bytes: Uint8Array): void;
  /** copies the container's pipes to berth's own fds and the log until they close */
  pump(stdout: ReadableStream<Uint8Array> | null, stderr: ReadableStream<Uint8Array> | null): void;
  /** waits for the pumps and writes what is left of unterminated lines */
  close(): Promise<void>;
}

function writeAll(to: { writeSync(b: Uint8Array): number }, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += to.writeSync(b.subarray(off));
}

export function openForegroundLog(dir: string, id: string, config: LogConfig): ForegroundLog {
  const log = new LogWriter(logPath(dir, id), config);
  const tty = new TextDecoder();
  const pumps: Promise<void>[] = [];
  const copy = async (from: ReadableStream<Uint8Array>, stream: "stdout" | "stderr") => {
    const dec = new TextDecoder();
    const to = stream === "stdout" ? Deno.stdout : Deno.stderr;
    for await (const chunk of from) {
      try {
        writeAll(to, chunk);
      } catch { /* berth's own output is closed: the log still gets it */ }
      log.write(stream, dec.decode(chunk, { stream: true }));
    }
  };
  return {
    terminal: (bytes) => log.write("stdout", tty.decode(bytes, { stream: true })),
    pump(stdout, stderr) {
      if (stdout) pumps.push(copy(stdout, "stdout"));
      if (stderr) pumps.push(copy(stderr, "stderr"));
    },
    async close() {
      await Promise.allSettled(pumps);
      log.close();
    },
  };
}

/** Whether a foreground container keeps a log: not with `--rm` (gone at the exit) nor the `none` driver. */
export function keepsForegroundLog(autoRemove: boolean, config: LogConfig): boolean {
  return !autoRemove && config.driver !== "none";
}
