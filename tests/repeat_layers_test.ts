/**
 * Issue 11: images whose layers repeat a diff_id — a file added, removed and added again, the same
 * layer twice in one image — pull, run, save/load, push (skopeo agrees), pull back, run there, and build
 * on. overlayfs refuses a lower dir given twice; berth mounts the topmost copy only.
 */
import { join } from "node:path";
import { assertEquals } from "./helpers/assert.ts";
import { berth, type BerthResult, tempRoot } from "./helpers/berth.ts";
import { busyboxLayer, PROC } from "./helpers/fixtures.ts";
import { buildImage, pushImage, tarEntries } from "./helpers/images.ts";
import { startRegistry } from "./helpers/registry.ts";
import { runTool } from "./helpers/tool.ts";

async function b(root: string, args: string[], code = 0): Promise<BerthResult> {
  const r = await berth(root, args);
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r;
}

Deno.test("layers that repeat a diff_id: pull, run, save/load, push, pull back, build on it", PROC, async () => {
  const roots = [await tempRoot(), await tempRoot(), await tempRoot()];
  const [root, other, third] = roots;
  const reg = await startRegistry();
  try {
    const add = await tarEntries([{ name: "f", type: "file", mode: 0o644, data: "a\n" }]);
    const del = await tarEntries([{ name: ".wh.f", type: "file", mode: 0o644, data: "" }]);
    const img = buildImage({ layers: [await busyboxLayer(), add, del, add] });
    assertEquals(img.diffIds[1], img.diffIds[3]);
    await pushImage(reg.url, "repeat", "1", img);
    const name = `${reg.host}/repeat:1`;
    await b(root, ["pull", "-q", name]);
    assertEquals((await b(root, ["run", "--rm", "--network", "none", name, "cat", "/f"])).stdout, "a\n");

    const tar = join(other, "repeat.tar");
    await b(root, ["save", "-o", tar, name]);
    await b(other, ["load", "-i", tar]);
    assertEquals((await b(other, ["run", "--rm", "--network", "none", name, "cat", "/f"])).stdout, "a\n");

    const again = `${reg.host}/again/repeat:2`;
    await b(root, ["tag", name, again]);
    await b(root, ["push", "-q", again]);
    const info = JSON.parse(await runTool("skopeo", ["inspect", "--tls-verify=false", `docker://${again}`]));
    assertEquals(info.Layers.length, 4);
    await b(third, ["pull", "-q", again]);
    assertEquals((await b(third, ["run", "--rm", "--network", "none", again, "cat", "/f"])).stdout, "a\n");
    assertEquals(JSON.parse((await b(third, ["inspect", again])).stdout)[0].RootFS.Layers, img.diffIds);

    // a build on it, whose RUN mounts the repeated layers too
    const ctx = join(third, "ctx");
    Deno.mkdirSync(ctx);
    // COPY makes the same layer each time (the context's file, its own mtime): one build makes it four
    // times, with RUN steps that remove it in between
    Deno.writeTextFileSync(join(ctx, "h.txt"), "b\n");
    Deno.utimeSync(join(ctx, "h.txt"), 978307200, 978307200);
    Deno.writeTextFileSync(join(ctx, "Dockerfile"), `FROM ${again}\nRUN cat /f > /g\n${"COPY h.txt /h\nRUN rm /h\n".repeat(3)}COPY h.txt /h\n`);
    await b(third, ["build", "-q", "--network", "none", "-t", "on-top:1", ctx]);
    assertEquals((await b(third, ["run", "--rm", "--network", "none", "on-top:1", "cat", "/g", "/h"])).stdout, "a\nb\n");
    const built: string[] = JSON.parse((await b(third, ["inspect", "on-top:1"])).stdout)[0].RootFS.Layers;
    assertEquals([built[5], built[7], built[9]], [built[11], built[11], built[11]], "the build made one layer four times");
  } finally {
    await reg.stop();
    for (const d of roots) await Deno.remove(d, { recursive: true });
  }
});
