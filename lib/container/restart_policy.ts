/** `--restart no|on-failure[:N]|always|unless-stopped` and Docker's back-off between restarts. */
import { UsageError } from "../util/errors.ts";

export interface RestartPolicy {
  name: "no" | "on-failure" | "always" | "unless-stopped";
  /** on-failure only: most restarts (0 = no limit) */
  maximumRetryCount: number;
}

export function parseRestartPolicy(s: string | undefined): RestartPolicy {
  if (!s || s === "no") return { name: "no", maximumRetryCount: 0 };
  const [name, max] = s.split(":");
  if (name === "on-failure") {
    const n = max === undefined ? 0 : Number(max);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`invalid restart policy: maximum retry count must be a positive integer: ${s}`);
    return { name, maximumRetryCount: n };
  }
  if ((name === "always" || name === "unless-stopped") && max === undefined) return { name, maximumRetryCount: 0 };
  throw new UsageError(`invalid restart policy: ${s}`);
}

/**
 * Whether a container that exited with `exitCode` restarts: never after a manual stop; on-failure
 * only for a non-zero code, up to its count; always and unless-stopped always.
 */
export function shouldRestart(p: RestartPolicy, exitCode: number, restartCount: number, manuallyStopped: boolean): boolean {
  if (manuallyStopped) return false;
  switch (p.name) {
    case "no":
      return false;
    case "on-failure":
      return exitCode !== 0 && (p.maximumRetryCount === 0 || restartCount < p.maximumRetryCount);
    default:
      return true;
  }
}

/**
 * Docker's back-off: 100 ms doubled after each restart, at most a minute; back to 100 ms once a
 * container has run for 10 seconds.
 */
export function restartDelay(previousDelay: number, ranForMs: number): number {
  if (ranForMs >= 10_000 || previousDelay === 0) return 100;
  return Math.min(previousDelay * 2, 60_000);
}
