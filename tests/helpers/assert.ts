/** std-style assertions over `node:assert` (JSR's @std/assert is out of reach here). */
import nodeAssert from "node:assert";

export function assert(cond: unknown, msg?: string): asserts cond {
  nodeAssert.ok(cond, msg);
}

export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, msg);
}

export function assertMatch(actual: string, re: RegExp, msg?: string): void {
  nodeAssert.match(actual, re, msg);
}

export function assertNotMatch(actual: string, re: RegExp, msg?: string): void {
  nodeAssert.doesNotMatch(actual, re, msg);
}

// deno-lint-ignore no-explicit-any
export function assertThrows(fn: () => unknown, cls: new (...a: any[]) => Error, msgIncludes?: string): void {
  nodeAssert.throws(fn, (err: unknown) => {
    nodeAssert.ok(err instanceof cls, `expected ${cls.name}, got ${err}`);
    if (msgIncludes !== undefined) nodeAssert.ok((err as Error).message.includes(msgIncludes), `"${(err as Error).message}" lacks "${msgIncludes}"`);
    return true;
  });
}

/** Awaits `fn()`, which must reject with a `cls`; the error, for further checks. */
// deno-lint-ignore no-explicit-any
export async function assertRejects<E extends Error>(fn: () => Promise<unknown>, cls: new (...a: any[]) => E, msgIncludes?: string): Promise<E> {
  try {
    await fn();
  } catch (err) {
    nodeAssert.ok(err instanceof cls, `expected ${cls.name}, got ${err}`);
    if (msgIncludes !== undefined) nodeAssert.ok(err.message.includes(msgIncludes), `"${err.message}" lacks "${msgIncludes}"`);
    return err;
  }
  throw new nodeAssert.AssertionError({ message: `expected a ${cls.name}, but it resolved` });
}
