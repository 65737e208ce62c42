/**
 * Long engine jobs the service runs as a berth child process (build, push, cp): the child's output
 * becomes the client's stream, a failing job cannot take the service down, and a client that leaves
 * kills its job.
 */
import { selfCommand } from "../container/self_command.ts";

export interface BerthChild {
  /** stdout and stderr lines, as they come */
  lines: AsyncIterable<{ stream: "stdout" | "stderr"; line: string }>;
  stdout: ReadableStream<Uint8Array>;
  stdin: WritableStream<Uint8Array>;
  status: Promise<Deno.CommandStatus>;
  /** the last stderr line read from {@link BerthChild.lines} without "berth: " (the error a failed job ends with) */
  readonly lastError: string;
  kill(): void;
}

/** Starts `berth --root ROOT ARGS…`. `raw`: stdout as bytes (a tar), not lines. */
export function berthChild(root: string, args: string[], opts: { raw?: boolean; stdin?: boolean; env?: Record<string, string> } = {}): BerthChild {
  const [cmd, ...pre] = selfCommand();
  const child = new Deno.Command(cmd, {
    args: [...pre, "--root", root, ...args],
    stdin: opts.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...opts.env },
  }).spawn();
  async function* linesOf(s: ReadableStream<Uint8Array>, stream: "stdout" | "stderr") {
    let rest = "";
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const line of parts) yield { stream, line };
    }
    if (rest) yield { stream, line: rest };
  }
  const merged = async function* () {
    // both pipes at once: a child blocked on a full stderr pipe would never finish its stdout
    const queue: { stream: "stdout" | "stderr"; line: string }[] = [];
    let wake: (() => void) | undefined;
    let open = opts.raw ? 1 : 2;
    const drain = async (it: AsyncGenerator<{ stream: "stdout" | "stderr"; line: string }>) => {
      for await (const x of it) {
        queue.push(x);
        wake?.();
      }
      open--;
      wake?.();
    };
    if (!opts.raw) drain(linesOf(child.stdout, "stdout"));
    drain(linesOf(child.stderr, "stderr"));
    while (open > 0 || queue.length) {
      if (queue.length) {
        const x = queue.shift()!;
        if (x.stream === "stderr" && x.line.trim()) lastError = x.line.replace(/^berth: /, "");
        yield x;
      } else await new Promise<void>((r) => (wake = r));
    }
  };
  let lastError = "";
  return {
    get lastError() {
      return lastError;
    },
    lines: { [Symbol.asyncIterator]: merged },
    stdout: child.stdout,
    stdin: opts.stdin ? child.stdin : new WritableStream(),
    status: child.status,
    kill: () => {
      try {
        child.kill("SIGTERM");
      } catch { /* exited */ }
    },
  };
}
