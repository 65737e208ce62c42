/**
 * Reads a line from the terminal without echoing it (for `login`'s password prompt): raw mode, bytes
 * collected up to Enter, Backspace honoured, Ctrl-C and Ctrl-D end it. Deno's `prompt()` echoes what
 * it reads even when the terminal's own echo is off.
 */
import { BerthError } from "../util/errors.ts";

export function readSecret(label: string): string {
  const enc = new TextEncoder();
  Deno.stdout.writeSync(enc.encode(label));
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buf = new Uint8Array(64);
  try {
    for (;;) {
      const n = Deno.stdin.readSync(buf);
      if (n === null || n === 0) break;
      let done = false;
      for (const c of buf.subarray(0, n)) {
        if (c === 0x0d || c === 0x0a) done = true;
        else if (c === 0x03) throw new BerthError("login: cancelled", 130);
        else if (c === 0x04) done = true;
        else if (c === 0x7f || c === 0x08) bytes.pop();
        else if (c >= 0x20) bytes.push(c);
        if (done) break;
      }
      if (done) break;
    }
  } finally {
    Deno.stdin.setRaw(false);
    Deno.stdout.writeSync(enc.encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
