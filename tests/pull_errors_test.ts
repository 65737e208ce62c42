import { assert, assertEquals, assertMatch, assertNotMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { berth, tempRoot } from "./helpers/berth.ts";
import { busyboxLayer, PROC, withRegistry } from "./helpers/fixtures.ts";
import { buildImage, pushImage, tarEntries } from "./helpers/images.ts";
import { freePort, registryBlobPath } from "./helpers/registry.ts";

/** One clear line on stderr, exit 125, no stack trace. */
function assertCleanError(r: { code: number; stderr: string }, re: RegExp): void {
  assertEquals(r.code, 125, r.stderr);
  assertMatch(r.stderr, re);
  assertEquals(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  assertNotMatch(r.stderr, /\s+at\s|Error:|Stack/);
}

/** Nothing of a failed pull is visible: no image, no temp files, no stray layer dirs. */
function assertNothingLeft(root: string, goodLayers: number): void {
  let rows = {};
  try {
    rows = JSON.parse(Deno.readTextFileSync(join(root, "images.json"))).images;
  } catch { /* never written: nothing listed */ }
  assertEquals(Object.keys(rows).length, 0);
  assertEquals([...Deno.readDirSync(join(root, "tmp"))], []);
  assert([...Deno.readDirSync(join(root, "layers/sha256"))].length <= goodLayers);
}

Deno.test("pull: a blob whose bytes do not match its digest is refused and nothing is listed", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const evil = await tarEntries([{ name: "evil", type: "file", mode: 0o644, data: "original" }]);
    const img = buildImage({ layers: [evil], compression: "none" });
    await pushImage(reg.url, "corrupt", "latest", img);
    const layerDigest = [...img.blobs.keys()][0];
    const path = registryBlobPath(reg, layerDigest);
    const bytes = Deno.readFileSync(path);
    bytes.set(new TextEncoder().encode("tampered"), 512); // same size, other content
    Deno.writeFileSync(path, bytes);
    const r = await berth(root, ["pull", `${reg.host}/corrupt`]);
    assertCleanError(r, /^berth: pull .*corrupt:latest: blob sha256:\w+ does not match its digest/);
    assertNothingLeft(root, 0);
    assert(!Deno.readDirSync(join(root, "blobs/sha256")).some((e) => e.name === layerDigest.slice(7)), "blob not stored");
    assertEquals((await berth(root, ["images", "-q"])).stdout, "");
  });
});

Deno.test("pull: a truncated blob is refused", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer()], compression: "gzip" });
    await pushImage(reg.url, "short", "latest", img);
    const layerDigest = [...img.blobs.keys()][0];
    const path = registryBlobPath(reg, layerDigest);
    const bytes = Deno.readFileSync(path);
    Deno.writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
    const r = await berth(root, ["pull", `${reg.host}/short`]);
    assertCleanError(r, /^berth: pull .*short:latest: blob sha256:\w+ is truncated: got \d+ of \d+ bytes\n$/);
    assertNothingLeft(root, 0);
  });
});

Deno.test("pull: 404 gives one clear line and exit 125", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const r = await berth(root, ["pull", `${reg.host}/nope`]);
    assertCleanError(r, /^berth: pull 127\.0\.0\.1:\d+\/nope:latest: manifest unknown.* \(404\)\n$/);
  });
});

Deno.test("pull: an unreachable registry and a bad reference are clear errors", PROC, async () => {
  const root = await tempRoot();
  try {
    const port = freePort();
    assertCleanError(await berth(root, ["pull", `127.0.0.1:${port}/x`]), /^berth: 127\.0\.0\.1:\d+: cannot reach registry/);
    assertCleanError(await berth(root, ["pull", "Bad/Name"]), /^berth: invalid reference format "Bad\/Name"/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/**
 * A registry that answers manifests with broken bodies: the real registry validates what it
 * stores, so a broken one has to be faked to see how berth copes.
 */
async function withBrokenRegistry(body: string, contentType: string, fn: (host: string) => Promise<void>) {
  const ac = new AbortController();
  const port = freePort();
  const server = Deno.serve({ hostname: "127.0.0.1", port, signal: ac.signal, onListen() {} }, (req) => {
    if (new URL(req.url).pathname === "/v2/") return new Response("{}");
    return new Response(body, { headers: { "content-type": contentType } });
  });
  try {
    await fn(`127.0.0.1:${port}`);
  } finally {
    ac.abort();
    await server.finished;
  }
}

Deno.test("pull: a non-JSON or unknown-type manifest is a clear error", PROC, async () => {
  const root = await tempRoot();
  try {
    await withBrokenRegistry("<html>hello</html>", "application/vnd.oci.image.manifest.v1+json", async (host) => {
      assertCleanError(await berth(root, ["pull", `${host}/x`]), /^berth: pull .*: manifest is not valid JSON\n$/);
    });
    await withBrokenRegistry('{"schemaVersion":2,"mediaType":"application/x-weird"}', "application/x-weird", async (host) => {
      assertCleanError(await berth(root, ["pull", `${host}/x`]), /unsupported manifest media type "application\/x-weird"/);
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"a".repeat(64)}`, size: 2 },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+lz4", digest: `sha256:${"b".repeat(64)}`, size: 1 }],
    });
    await withBrokenRegistry(manifest, "application/vnd.oci.image.manifest.v1+json", async (host) => {
      assertCleanError(await berth(root, ["pull", `${host}/x`]), /unsupported layer media type .*tar\+lz4/);
    });
    const huge = manifest.replace('"size":1}', `"size":${2 ** 50}}`).replace("tar+lz4", "tar+gzip");
    await withBrokenRegistry(huge, "application/vnd.oci.image.manifest.v1+json", async (host) => {
      assertCleanError(await berth(root, ["pull", `${host}/x`]), /absurdly large/);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("pull: layers that try to escape write nothing outside the layer", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const outside = await Deno.makeTempDir({ prefix: "berth-test-outside-" });
    try {
      Deno.writeTextFileSync(join(outside, "victim"), "safe");
      const cases: Array<[string, Uint8Array, RegExp | null]> = [
        ["dotdot", await tarEntries([{ name: `../../../../../../..${outside}/dotdot`, type: "file", mode: 0o644, data: "x" }]), /leaves the layer/],
        ["dotdot2", await tarEntries([{ name: "a/../../escape", type: "file", mode: 0o644, data: "x" }]), /leaves the layer/],
        // absolute names are taken relative to the layer, as tar does
        ["absolute", await tarEntries([{ name: `${outside}/absolute`, type: "file", mode: 0o644, data: "x" }]), null],
        // a symlink to the outside, then a write through it: resolved inside the layer
        ["symlink", await tarEntries([
          { name: "lnk", type: "symlink", mode: 0o777, linkname: outside },
          { name: "lnk/victim", type: "file", mode: 0o644, data: "pwned" },
          { name: "rel", type: "symlink", mode: 0o777, linkname: `../../../../../../..${outside}` },
          { name: "rel/victim2", type: "file", mode: 0o644, data: "pwned" },
        ]), null],
        ["hardlink", await tarEntries([{ name: "hl", type: "link", mode: 0o644, linkname: `${outside}/victim` }]), /not in this layer/],
        ["hardlink2", await tarEntries([{ name: "hl", type: "link", mode: 0o644, linkname: "../../victim" }]), /leaves the layer/],
      ];
      for (const [name, layer, refusal] of cases) {
        const img = buildImage({ layers: [layer], compression: "gzip" });
        await pushImage(reg.url, `escape-${name}`, "latest", img);
        const r = await berth(root, ["pull", `${reg.host}/escape-${name}`]);
        if (refusal) {
          assertEquals(r.code, 125, `${name}: ${r.stderr}`);
          assertMatch(r.stderr, refusal);
        } else {
          assertEquals(r.code, 0, `${name}: ${r.stderr}`);
          const layerDir = join(root, "layers/sha256", img.diffIds[0].slice(7));
          if (name === "absolute") assertEquals(Deno.readTextFileSync(join(layerDir, outside, "absolute")), "x");
          if (name === "symlink") {
            assertEquals(Deno.readTextFileSync(join(layerDir, outside, "victim")), "pwned");
            assertEquals(Deno.readTextFileSync(join(layerDir, outside, "victim2")), "pwned");
          }
        }
        assertEquals([...Deno.readDirSync(outside)].map((e) => e.name), ["victim"], `${name} wrote outside`);
        assertEquals(Deno.readTextFileSync(join(outside, "victim")), "safe");
      }
      assertEquals([...Deno.readDirSync(join(root, "tmp"))], []);
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  });
});
