/**
 * Docker's detach keys: a sequence typed on an attached stdin that leaves the container running and ends the
 * attach (default Ctrl-P Ctrl-Q). What is typed is passed on except the sequence; a partial match is held
 * back until the next byte shows whether it was the sequence.
 *
 * @example
 * ```ts
 * const keys = parseDetachKeys("ctrl-p,ctrl-q"); // [16, 17]
 * const scan = new DetachScanner(keys);
 * scan.push(new Uint8Array([104, 16])); // { pass: [104], detach: false }
 * scan.push(new Uint8Array([17]));      // { pass: [], detach: true }
 * ```
 */
import { UsageError } from "../util/errors.ts";

export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/** "ctrl-p,ctrl-q", "ctrl-@", "a,b": each item a letter or ctrl- with a letter or one of @[\\]^_ */
export function parseDetachKeys(spec: string): number[] {
  const keys = spec.split(",").map((item) => {
    if (item.length === 1) return item.charCodeAt(0);
    const m = /^ctrl-([a-z@[\\\]^_])$/i.exec(item);
    if (!m) throw new UsageError(`invalid detach keys (${spec}): ${JSON.stringify(item)} is neither a character nor ctrl-<a-z, @, [, \\, ], ^, _>`);
    return m[1].toUpperCase().charCodeAt(0) & 0x1f;
  });
  if (!spec || !keys.length) throw new UsageError("invalid detach keys: empty");
  return keys;
}

export class DetachScanner {
  #matched = 0;
  constructor(readonly keys: number[]) {}

  /** The bytes to pass on, and whether the sequence is complete (what follows it is dropped). */
  push(chunk: Uint8Array): { pass: Uint8Array<ArrayBuffer>; detach: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.#matched]) {
        if (++this.#matched === this.keys.length) return { pass: Uint8Array.from(out), detach: true };
        continue;
      }
      // not the sequence after all: what was held back goes on, and this byte may start it anew
      out.push(...this.keys.slice(0, this.#matched));
      this.#matched = 0;
      if (b === this.keys[0]) this.#matched = 1;
      else out.push(b);
    }
    return { pass: Uint8Array.from(out), detach: false };
  }
}
