/**
 * Issue 11: the build cache grows linearly with the Dockerfile. A 2,000-line Dockerfile of ENV lines
 * writes kilobytes of cache (each step keeps only what it made, not a whole config), and a second build
 * is all CACHED with the same image ID.
 */
import { join } from "node:path";
import { assert, assertEquals } from "./helpers/assert.ts";
import { berth, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";

function bytesIn(dir: string): number {
  let n = 0;
  for (const e of Deno.readDirSync(dir)) n += Deno.statSync(join(dir, e.name)).size;
  return n;
}

Deno.test("build cache: 2,000 ENV lines write O(lines) bytes, and the rebuild is all CACHED with the same ID", PROC, async () => {
  const root = await tempRoot();
  try {
    const ctx = join(root, "ctx");
    Deno.mkdirSync(ctx);
    const lines = ["FROM scratch"];
    for (let i = 0; i < 2000; i++) lines.push(`ENV VAR_${i}=value-${i}-${"x".repeat(40)}`);
    lines.push('CMD ["/bin/true"]');
    Deno.writeTextFileSync(join(ctx, "Dockerfile"), lines.join("\n") + "\n");
    const first = await berth(root, ["build", "-q", "-t", "many:1", ctx]);
    assertEquals(first.code, 0, first.stderr);
    const cache = bytesIn(join(root, "build-cache"));
    // a whole config per step would be ~2000 × 120 KB on average (240 MB); a step's own entry is ~40 bytes
    assert(cache < 1 << 20, `the cache holds ${cache} bytes`);
    const again = await berth(root, ["build", "-t", "many:1", ctx]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(again.stdout.split("\n").filter((l) => l.includes("---> CACHED")).length, 2001);
    assertEquals(first.stdout.trim(), JSON.parse((await berth(root, ["inspect", "many:1"])).stdout)[0].Id);
    const env: string[] = JSON.parse((await berth(root, ["inspect", "many:1"])).stdout)[0].Config.Env;
    assertEquals(env.filter((e) => e.startsWith("VAR_")).length, 2000);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
