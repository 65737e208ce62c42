/**
 * runc's `--log FILE --log-format text|json`: errors (and, with `--debug`, debug lines) go to the log —
 * JSON lines `{"level","msg","time"}` with an RFC 3339 time, whose last error line is what containerd and
 * conmon show — and to stderr.
 */
let logFile: string | undefined;
let json = false;

export function setRuncLog(file: string | undefined, format: string | undefined): void {
  logFile = file;
  json = format === "json";
}

export function runcLog(level: "error" | "warning" | "debug" | "info", msg: string): void {
  if (!logFile) return;
  const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const line = json ? JSON.stringify({ level, msg, time }) : `time="${time}" level=${level} msg=${JSON.stringify(msg)}`;
  try {
    Deno.writeTextFileSync(logFile, line + "\n", { append: true, create: true, mode: 0o600 });
  } catch { /* a log that cannot be written must not hide the error itself */ }
}
