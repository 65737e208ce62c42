import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import zlib from "node:zlib";
import { CorruptStreamError, type Method, openDecompressor } from "./decompress.ts";
import { loadZlib, loadZstd } from "../ffi/zlib.ts";

/** Feeds `input` in `step`-byte pieces; returns the output's length and sha256, as the sink saw it. */
async function run(method: Method, native: boolean, input: Uint8Array, step: number, sink?: () => void) {
  const h = createHash("sha256");
  let n = 0;
  const d = await openDecompressor(method, (c) => {
    sink?.();
    n += c.length;
    h.update(c);
  }, native);
  try {
    for (let i = 0; i < input.length; i += step) await d.write(input.subarray(i, i + step));
    await d.end();
  } finally {
    await d.close();
  }
  return { n, sha: h.digest("hex") };
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
// compressible and incompressible parts, several output buffers long
const plain = new Uint8Array([...randomBytes(300_000), ...new Uint8Array(2_000_000).fill(7), ...randomBytes(70_000)]);
const gz = new Uint8Array(zlib.gzipSync(plain));
const zst = new Uint8Array(zlib.zstdCompressSync(plain));

Deno.test("the host's libz and libzstd are found (the native path is what the tests below compare)", () => {
  assert.ok(loadZlib(), "libz.so.1");
  assert.ok(loadZstd(), "libzstd.so.1");
});

for (const native of [true, false]) {
  const kind = native ? "native" : "node:zlib";
  Deno.test(`${kind}: gzip and zstd give the original bytes, whatever the input's pieces`, async () => {
    for (const step of [1 << 20, 65536, 4093]) {
      assert.deepEqual(await run("gzip", native, gz, step), { n: plain.length, sha: sha(plain) }, `gzip, ${step}`);
      assert.deepEqual(await run("zstd", native, zst, step), { n: plain.length, sha: sha(plain) }, `zstd, ${step}`);
    }
    // a byte at a time (a small stream: each byte is a step)
    const small = new TextEncoder().encode("a small text, said again and again\n".repeat(300));
    const want = { n: small.length, sha: sha(small) };
    assert.deepEqual(await run("gzip", native, new Uint8Array(zlib.gzipSync(small)), 1), want);
    assert.deepEqual(await run("zstd", native, new Uint8Array(zlib.zstdCompressSync(small)), 1), want);
  });

  Deno.test(`${kind}: concatenated gzip members are read on; bytes after the last member are ignored`, async () => {
    const a = new TextEncoder().encode("first member\n".repeat(1000));
    const b = new TextEncoder().encode("second member\n".repeat(1000));
    const two = new Uint8Array([...zlib.gzipSync(a), ...zlib.gzipSync(b)]);
    const both = new Uint8Array([...a, ...b]);
    assert.deepEqual(await run("gzip", native, two, 100), { n: both.length, sha: sha(both) });
    const padded = new Uint8Array([...two, ...new Uint8Array(512)]);
    assert.deepEqual(await run("gzip", native, padded, 333), { n: both.length, sha: sha(both) });
  });

  Deno.test(`${kind}: a truncated or corrupt stream is an error, never a short success`, async () => {
    await assert.rejects(run("gzip", native, gz.subarray(0, gz.length - 100), 65536), CorruptStreamError);
    // node:zlib's zstd stream ends quietly on a cut frame (the layer's diff_id check still fails then)
    if (native) await assert.rejects(run("zstd", native, zst.subarray(0, zst.length - 100), 65536), CorruptStreamError);
    const bad = gz.slice();
    bad.fill(0xff, 5000, 6000);
    await assert.rejects(run("gzip", native, bad, 65536), CorruptStreamError);
    await assert.rejects(run("gzip", native, new TextEncoder().encode("not gzip at all"), 100), CorruptStreamError);
    await assert.rejects(run("zstd", native, new TextEncoder().encode("not zstd at all"), 100), CorruptStreamError);
  });

  Deno.test(`${kind}: a sink that throws stops the stream with its error`, async () => {
    let calls = 0;
    const boom = () => {
      if (++calls === 3) throw new Error("sink refused");
    };
    await assert.rejects(run("gzip", native, gz, 65536, boom), /sink refused/);
    calls = 0;
    await assert.rejects(run("zstd", native, zst, 65536, boom), /sink refused/);
  });
}
