import { assertEquals } from "../../tests/helpers/assert.ts";
import { closeFd, fdReadable, pipe, readChunk, writeAllSync } from "./fd.ts";

const dec = new TextDecoder();

Deno.test("readChunk: readers that become readable together each get their own bytes from the shared buffer", async () => {
  const pipes = Array.from({ length: 8 }, () => pipe());
  try {
    // every read end is waited on first, then all become readable in one go
    const reads = pipes.map(([r]) => readChunk(r));
    pipes.forEach(([, w], i) => writeAllSync(w, new TextEncoder().encode(`pipe ${i} `.repeat(i + 1))));
    const got = await Promise.all(reads);
    assertEquals(got.map((c) => dec.decode(c)), pipes.map((_, i) => `pipe ${i} `.repeat(i + 1)));
    assertEquals(got.map((c) => c.buffer.byteLength), got.map((c) => c.length), "a chunk keeps a 64 KiB buffer alive");
  } finally {
    for (const [r, w] of pipes) {
      closeFd(r);
      closeFd(w);
    }
  }
});

Deno.test("fdReadable: streams over several fds read at once, to the end", async () => {
  const pipes = Array.from({ length: 4 }, () => pipe());
  const texts = pipes.map(([r]) => new Response(fdReadable(r)).text()); // each closes its read end
  pipes.forEach(([, w], i) => {
    for (let k = 0; k < 3; k++) writeAllSync(w, new TextEncoder().encode(`${i}:${k};`));
    closeFd(w);
  });
  assertEquals(await Promise.all(texts), pipes.map((_, i) => `${i}:0;${i}:1;${i}:2;`));
});
