/**
 * Errors a user can act on. `main.ts` prints `berth: MESSAGE` and exits with `exitCode`
 * (125 = engine error, like Docker's) instead of a stack trace.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BerthError } from "./errors.ts";
 * const err = new BerthError("pull 127.0.0.1:5000/nope: manifest unknown (404)");
 * assert.equal(err.exitCode, 125);
 * ```
 */
export class BerthError extends Error {
  constructor(message: string, readonly exitCode = 125) {
    super(message);
    this.name = "BerthError";
  }
}

/**
 * What was asked for is not there: a container, image, network, volume or file. Docker's CLI exits 1
 * for these (`run` and `create` exit 125, as for every engine error); the Engine API answers 404.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BerthError, NotFoundError } from "./errors.ts";
 * const err = new NotFoundError("No such container: web");
 * assert.ok(err instanceof BerthError);
 * assert.equal(err.exitCode, 1);
 * ```
 */
export class NotFoundError extends BerthError {
  constructor(message: string, exitCode = 1) {
    super(message, exitCode);
    this.name = "NotFoundError";
  }
}

/**
 * The request clashes with what is: a name in use, a container running (or not), an image used by a
 * container, an address taken. Docker's CLI exits 1; the Engine API answers 409.
 */
export class ConflictError extends BerthError {
  constructor(message: string, exitCode = 1) {
    super(message, exitCode);
    this.name = "ConflictError";
  }
}

/** A bad value in the request (a flag, an option, a reference): exit 125 like Docker's CLI; the Engine API answers 400. */
export class InvalidArgumentError extends BerthError {
  constructor(message: string) {
    super(message, 125);
    this.name = "InvalidArgumentError";
  }
}

/** Bad command-line usage: an invalid argument as the command line gives it. */
export class UsageError extends InvalidArgumentError {
  constructor(message: string) {
    super(message);
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
