/**
 * A pull's progress as Docker's JSON messages (`POST /images/create`): a line per layer state —
 * "Pulling fs layer", "Waiting", "Downloading" with `progressDetail` {current, total} and the bar the
 * CLI shows, "Download complete", "Pull complete", "Already exists" — and the job's own status lines.
 * Downloading messages are sent at most ten times a second per layer.
 */
import { Progress, type ProgressEvent } from "../image/progress.ts";
import { humanSize } from "../util/human.ts";

type Message = { status: string; id?: string; progressDetail?: { current?: number; total?: number }; progress?: string };

function bar(current: number, total: number): string {
  const width = 50;
  const fill = Math.min(width, Math.floor((current / total) * width));
  return `[${"=".repeat(Math.max(0, fill - 1))}${fill ? ">" : ""}${" ".repeat(width - fill)}] ${humanSize(current)}/${humanSize(total)}`;
}

/** A Progress whose events become messages handed to `send` in order. */
export function jsonPullProgress(send: (m: Message) => void): Progress {
  const lastSent = new Map<string, number>();
  return Progress.to((e: ProgressEvent) => {
    if (!e.id) {
      const m = /^(\S+): Pulling from (.*)$/.exec(e.status);
      return send(m ? { status: `Pulling from ${m[2]}`, id: m[1] } : { status: e.status });
    }
    if (e.status === "Waiting") {
      send({ status: "Pulling fs layer", progressDetail: {}, id: e.id });
      return send({ status: "Waiting", progressDetail: {}, id: e.id });
    }
    if (e.status === "Downloading") {
      const now = performance.now();
      const done = !!e.total && e.current === e.total;
      if (!done && now - (lastSent.get(e.id) ?? -Infinity) < 100) return;
      lastSent.set(e.id, now);
      const current = e.current ?? 0;
      return send({
        status: "Downloading",
        progressDetail: { current, total: e.total || undefined },
        progress: e.total ? bar(current, e.total) : undefined,
        id: e.id,
      });
    }
    if (e.status === "Pull complete") send({ status: "Download complete", progressDetail: {}, id: e.id });
    send({ status: e.status, progressDetail: {}, id: e.id });
  });
}
