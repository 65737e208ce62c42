/**
 * Errors a user can act on. `main.ts` prints `berth: MESSAGE` and exits with `exitCode`
 * (125 = engine error, like Docker's) instead of a stack trace.
 *
 * @example
 * ```ts
 * throw new BerthError("pull 127.0.0.1:5000/nope: manifest unknown (404)");
 * ```
 */
export class BerthError extends Error {
  constructor(message: string, readonly exitCode = 125) {
    super(message);
    this.name = "BerthError";
  }
}

/** Bad command-line usage: Docker exits 125 for these too, but says so differently. */
export class UsageError extends BerthError {
  constructor(message: string) {
    super(message, 125);
    this.name = "UsageError";
  }
}

/** The message of any thrown value, without a stack. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * A thrown value as one line a user can act on: the system's own wording for a full disk (`no space left
 * on device`, whatever call hit it), no `(os error N)` tails, no stack, only the first line.
 */
export function userMessage(err: unknown): string {
  const msg = messageOf(err);
  if (/no space left on device|ENOSPC|os error 28\b/i.test(msg)) return "no space left on device";
  if (/disk quota exceeded|os error 122\b/i.test(msg)) return "disk quota exceeded";
  return msg.split("\n")[0].replace(/ \(os error \d+\)/, "");
}
