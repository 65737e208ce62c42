import { assertEquals, assertThrows } from "../../tests/helpers/assert.ts";
import { DetachScanner, parseDetachKeys } from "./detach_keys.ts";
import { UsageError } from "../util/errors.ts";

Deno.test("detach keys: Docker's spellings", () => {
  assertEquals(parseDetachKeys("ctrl-p,ctrl-q"), [16, 17]);
  assertEquals(parseDetachKeys("ctrl-@,ctrl-[,ctrl-_"), [0, 27, 31]);
  assertEquals(parseDetachKeys("a,ctrl-A"), [97, 1]);
  assertThrows(() => parseDetachKeys("ctrl-pq"), UsageError, "invalid detach keys");
  assertThrows(() => parseDetachKeys("ctrl-1"), UsageError);
  assertThrows(() => parseDetachKeys(""), UsageError);
});

Deno.test("detach keys: the sequence is taken out, across chunks; a partial match is passed on", () => {
  const s = new DetachScanner([16, 17]);
  assertEquals(s.push(new Uint8Array([104, 16])), { pass: new Uint8Array([104]), detach: false });
  assertEquals(s.push(new Uint8Array([105])), { pass: new Uint8Array([16, 105]), detach: false });
  assertEquals(s.push(new Uint8Array([16, 16, 17, 99])), { pass: new Uint8Array([16]), detach: true });
  const t = new DetachScanner([16, 17]);
  assertEquals(t.push(new Uint8Array([16])), { pass: new Uint8Array([]), detach: false });
  assertEquals(t.push(new Uint8Array([17])), { pass: new Uint8Array([]), detach: true });
});
