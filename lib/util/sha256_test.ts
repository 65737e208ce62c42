import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { loadLibcrypto } from "../ffi/libcrypto.ts";
import { sha256Of, sha256Stream } from "./sha256.ts";

const want = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

Deno.test("the host's libcrypto is found (the native path is what the tests below check)", () => {
  assert.ok(loadLibcrypto());
});

for (const native of [true, false]) {
  Deno.test(`sha256Stream (${native ? "libcrypto" : "node:crypto"}): chunks in order, without waiting for each`, async () => {
    const data = new Uint8Array(randomBytes(3_000_000));
    const h = await sha256Stream(native);
    const pending = [];
    for (let i = 0; i < data.length; i += 70_001) pending.push(h.update(data.subarray(i, i + 70_001)));
    pending.push(h.update(new Uint8Array(0)));
    await Promise.all(pending);
    assert.equal(await h.digest(), want(data));
    await assert.rejects(h.digest(), /already finished/);
    const empty = await sha256Stream(native);
    assert.equal(await empty.digest(), want(new Uint8Array(0)));
    const dropped = await sha256Stream(native);
    dropped.update(data);
    await dropped.dispose(); // waits for the update still running; nothing left behind
  });
}

Deno.test("sha256Of: small buffers, and nothing at all", async () => {
  for (const b of [new Uint8Array(0), new TextEncoder().encode("abc"), new Uint8Array(randomBytes(100_000))]) {
    assert.equal(await sha256Of(b), want(b));
  }
  assert.equal(await sha256Of(new TextEncoder().encode("abc")), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
