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
