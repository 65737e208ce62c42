/**
 * Issue 11: images whose layers repeat a diff_id — RUN steps that write the same thing, a file added,
 * removed and added again — build, run, save/load, push (skopeo agrees) and pull back, and run there.
 */
import { join } from "node:path";
import { assert, assertEquals } from "./helpers/assert.ts";
import { berth, type BerthResult, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { startRegistry } from "./helpers/registry.ts";
import { runImages } from "./helpers/run_images.ts";
import { runTool } from "./helpers/tool.ts";

async function b(root: string, args: string[], code = 0): Promise<BerthResult> {
  const r = await berth(root, args);
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r;
}

Deno.test("layers that repeat a diff_id: build, run, save/load, push and pull", PROC, async () => {
  const { root, base } = await runImages();
  const ctx = await Deno.makeTempDir({ prefix: "berth-test-ctx-" });
  const other = await tempRoot();
  const third = await tempRoot();
  const reg = await startRegistry();
  try {
    Deno.writeTextFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nRUN echo a > /f\nRUN rm /f\nRUN echo a > /f\nRUN echo a > /f\n`);
    await b(root, ["build", "-q", "-t", "repeat:1", ctx]);
    const layers: string[] = JSON.parse((await b(root, ["inspect", "repeat:1"])).stdout)[0].RootFS.Layers;
    assert(new Set(layers).size < layers.length, `a diff_id repeats: ${layers.join(" ")}`);
    assertEquals((await b(root, ["run", "--rm", "--network", "none", "repeat:1", "cat", "/f"])).stdout, "a\n");

    const tar = join(ctx, "repeat.tar");
    await b(root, ["save", "-o", tar, "repeat:1"]);
    await b(other, ["load", "-i", tar]);
    assertEquals((await b(other, ["run", "--rm", "--network", "none", "repeat:1", "cat", "/f"])).stdout, "a\n");

    const name = `${reg.host}/repeat:1`;
    await b(root, ["tag", "repeat:1", name]);
    await b(root, ["push", "-q", name]);
    const info = JSON.parse(await runTool("skopeo", ["inspect", "--tls-verify=false", `docker://${name}`]));
    assertEquals(info.Layers.length, layers.length);
    await b(third, ["pull", "-q", name]);
    assertEquals((await b(third, ["run", "--rm", "--network", "none", name, "cat", "/f"])).stdout, "a\n");
    assertEquals(JSON.parse((await b(third, ["inspect", name])).stdout)[0].RootFS.Layers, layers);
  } finally {
    await reg.stop();
    await berth(root, ["rmi", "repeat:1", `${reg.host}/repeat:1`]);
    for (const d of [ctx, other, third]) await Deno.remove(d, { recursive: true });
  }
});
