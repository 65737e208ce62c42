import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { berth, tempRoot } from "./helpers/berth.ts";
import { busyboxLayer, PROC, withRegistry } from "./helpers/fixtures.ts";
import { buildImage, pushImage } from "./helpers/images.ts";
import { featureLayers } from "./helpers/layers.ts";
import { runTool } from "./helpers/tool.ts";


const run = runTool;

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-archive-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("export: the flattened filesystem, with deletions applied", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer(), ...await featureLayers()] });
    await pushImage(reg.url, "features", "latest", img);
    assertEquals((await berth(root, ["pull", "-q", `${reg.host}/features`])).code, 0);
    await withTemp(async (dir) => {
      const r = await berth(root, ["export", "-o", join(dir, "fs.tar"), `${reg.host}/features`]);
      assertEquals(r.code, 0, r.stderr);
      const listing = await run("tar", ["-tvf", join(dir, "fs.tar")]);
      const names = listing.split("\n").map((l) => l.split(/\s+/).slice(5).join(" ")).filter(Boolean);
      for (const want of ["data/keep", "opq/new", "added", "bin/busybox", "h/a", "f", "null"]) {
        assert(names.some((n) => n === want || n === `${want}/`), `${want} in export`);
      }
      for (const gone of ["data/gone.txt", "data/dir-gone/", "opq/old1", "opq/old2"]) {
        assert(!names.includes(gone), `${gone} was deleted`);
      }
      assertMatch(listing, /h\/b link to h\/a|h\/a link to h\/b/);
      assertMatch(listing, /-rwsr-xr-x 0\/0 .* s\/setuid/);
      assertMatch(listing, /1234\/5678 .* o\/owned/);
      await Deno.mkdir(join(dir, "x"));
      await run("tar", ["-C", join(dir, "x"), "-xf", join(dir, "fs.tar")]);
      assertEquals(Deno.readTextFileSync(join(dir, "x/data/keep")), "new");
      // stdout is refused when it is not redirected? here it is a pipe, so it works
      const piped = await berth(root, ["export", `${reg.host}/features`]);
      assertEquals(piped.code, 0);
      assert(piped.stdout.length > 1000);
    });
  });
});

Deno.test("save → load round trip (docker-archive), checked by skopeo", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer(), ...await featureLayers()], compression: ["gzip", "zstd", "gzip", "none"] });
    await pushImage(reg.url, "roundtrip", "v1", img);
    assertEquals((await berth(root, ["pull", "-q", `${reg.host}/roundtrip:v1`])).code, 0);
    await withTemp(async (dir) => {
      const archive = join(dir, "img.tar");
      const s = await berth(root, ["save", "-o", archive, `${reg.host}/roundtrip:v1`]);
      assertEquals(s.code, 0, s.stderr);
      const info = JSON.parse(await run("skopeo", ["inspect", `docker-archive:${archive}`]));
      assertEquals(info.Layers.length, 4);
      assertEquals(info.Architecture, "amd64");
      const raw = JSON.parse(await run("skopeo", ["inspect", "--config", `docker-archive:${archive}`]));
      assertEquals(raw.rootfs.diff_ids, img.diffIds);
      // skopeo copies it into an OCI layout that umoci can unpack
      await run("skopeo", ["copy", `docker-archive:${archive}`, `oci:${join(dir, "layout")}:rt`]);
      await run("umoci", ["unpack", "--image", `${join(dir, "layout")}:rt`, join(dir, "bundle")]);
      assertEquals(Deno.readTextFileSync(join(dir, "bundle/rootfs/data/keep")), "new");

      const fresh = await tempRoot();
      try {
        const l = await berth(fresh, ["load", "-i", archive]);
        assertEquals(l.code, 0, l.stderr);
        assertEquals(l.stdout.trim(), `Loaded image: ${reg.host}/roundtrip:v1`);
        const inspect = JSON.parse((await berth(fresh, ["inspect", `${reg.host}/roundtrip:v1`])).stdout)[0];
        assertEquals(inspect.Id, img.configDigest);
        assertEquals(inspect.RootFS.Layers, img.diffIds);
        const a = await berth(root, ["export", `${reg.host}/roundtrip:v1`]);
        const b = await berth(fresh, ["export", `${reg.host}/roundtrip:v1`]);
        assertEquals(a.stdout, b.stdout, "same filesystem after the round trip");
        // from stdin, and a second time: the layers are there already and nothing is duplicated
        const again = await berth(fresh, ["load", "-q"], { stdin: Deno.readFileSync(archive) });
        assertEquals([again.code, again.stdout, again.stderr], [0, "", ""]);
        assertEquals([...Deno.readDirSync(join(fresh, "layers/sha256"))].length, 4);
      } finally {
        await Deno.remove(fresh, { recursive: true });
      }
    });
  });
});

Deno.test("save --format oci-archive: skopeo reads it, berth loads it back", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer()], format: "docker" });
    await pushImage(reg.url, "ociarc", "latest", img);
    assertEquals((await berth(root, ["pull", "-q", `${reg.host}/ociarc`])).code, 0);
    await withTemp(async (dir) => {
      const archive = join(dir, "oci.tar");
      const s = await berth(root, ["save", "--format", "oci-archive", "-o", archive, `${reg.host}/ociarc`]);
      assertEquals(s.code, 0, s.stderr);
      const info = JSON.parse(await run("skopeo", ["inspect", `oci-archive:${archive}`]));
      assertEquals(info.Digest, img.manifestDigest, "blobs kept byte for byte");
      const fresh = await tempRoot();
      try {
        const l = await berth(fresh, ["load", "-i", archive]);
        assertEquals(l.code, 0, l.stderr);
        assertEquals(l.stdout.trim(), `Loaded image: ${reg.host}/ociarc:latest`);
        const inspect = JSON.parse((await berth(fresh, ["inspect", `${reg.host}/ociarc`])).stdout)[0];
        assertEquals([inspect.Id, inspect.Manifest.Digest], [img.configDigest, img.manifestDigest]);
      } finally {
        await Deno.remove(fresh, { recursive: true });
      }
    });
  });
});

Deno.test("load: an archive written by skopeo (another tool) loads", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer(), ...await featureLayers()] });
    await pushImage(reg.url, "fromskopeo", "latest", img);
    await withTemp(async (dir) => {
      const archive = join(dir, "s.tar");
      await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${reg.host}/fromskopeo:latest`, `docker-archive:${archive}:example/app:1`]);
      const l = await berth(root, ["load", "-i", archive]);
      assertEquals(l.code, 0, l.stderr);
      assertEquals(l.stdout.trim(), "Loaded image: example/app:1");
      const exp = await berth(root, ["export", "example/app:1"]);
      assertEquals(exp.code, 0, exp.stderr);
      assertMatch(exp.stdout, /opq\/new/);
      const bad = await berth(root, ["load", "-i", join(dir, "missing.tar")]);
      assertEquals(bad.code, 125);
      assertMatch(bad.stderr, /^berth: load: cannot open .*missing\.tar/);
    });
  });
});
