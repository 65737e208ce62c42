/**
 * Issue 11, part 2: a registry cannot hang or trick a pull. A registry of the test's own serves a real
 * image but misbehaves on its blob — redirects to `file:` and `ftp:` URLs, stops sending half-way, resets
 * the connection — and a real registry serves a layer whose tar turns invalid after valid bytes, and one
 * pull runs on a tiny tmpfs root. Each fails promptly with one line, exit 125, and nothing half-visible.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertNotMatch } from "./helpers/assert.ts";
import { berth, tempRoot } from "./helpers/berth.ts";
import { busyboxLayer, PROC, withRegistry } from "./helpers/fixtures.ts";
import { type BuiltImage, buildImage, pushImage, tarEntries } from "./helpers/images.ts";
import { freePort } from "./helpers/registry.ts";

function assertCleanError(r: { code: number; stderr: string }, re: RegExp): void {
  assertEquals(r.code, 125, r.stderr);
  assertMatch(r.stderr, re);
  assertEquals(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  assertNotMatch(r.stderr, /\s+at\s|Error:|Stack|os error/);
}

function assertNothingListed(root: string): void {
  let rows = {};
  try {
    rows = JSON.parse(Deno.readTextFileSync(join(root, "images.json"))).images;
  } catch { /* never written */ }
  assertEquals(Object.keys(rows).length, 0);
  assertEquals([...Deno.readDirSync(join(root, "tmp"))], []);
  assertEquals([...Deno.readDirSync(join(root, "layers/sha256"))], []);
}

type BlobMode = "redirect-file" | "redirect-ftp" | "stall" | "reset";

/** Serves `img` (manifest by tag or digest, config) and answers its layer blob as `mode` says. */
async function withFakeRegistry(img: BuiltImage, mode: BlobMode, fn: (host: string) => Promise<void>): Promise<void> {
  const ac = new AbortController();
  const port = freePort();
  const layerDigest = [...img.blobs.keys()].find((d) => d !== img.configDigest)!;
  const hangs: Array<() => void> = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port, signal: ac.signal, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/v2/") return new Response("{}");
    if (path.includes("/manifests/")) {
      return new Response(img.manifest as Uint8Array<ArrayBuffer>, { headers: { "content-type": img.mediaType, "docker-content-digest": img.manifestDigest } });
    }
    const digest = path.split("/").pop()!;
    const blob = img.blobs.get(digest);
    if (!blob) return new Response("", { status: 404 });
    if (digest !== layerDigest) return new Response(blob as Uint8Array<ArrayBuffer>);
    if (mode === "redirect-file") return new Response(null, { status: 307, headers: { location: "file:///etc/passwd" } });
    if (mode === "redirect-ftp") return new Response(null, { status: 302, headers: { location: "ftp://127.0.0.1/blob" } });
    const half = blob.subarray(0, blob.length >> 1);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(half);
        if (mode === "reset") setTimeout(() => c.error("reset"), 50);
        else {
          hangs.push(() => {
            try {
              c.close(); // "stall": nothing more until the test ends
            } catch { /* the client went away */ }
          });
        }
      },
    });
    return new Response(body, { headers: { "content-length": String(blob.length) } });
  });
  try {
    await fn(`127.0.0.1:${port}`);
  } finally {
    hangs.forEach((h) => h());
    ac.abort();
    await server.finished;
  }
}

Deno.test("hostile registry: redirects to file: or ftp: are refused and named", PROC, async () => {
  const img = buildImage({ layers: [await tarEntries([{ name: "a", type: "file", mode: 0o644, data: "a" }])] });
  const root = await tempRoot();
  try {
    await withFakeRegistry(img, "redirect-file", async (host) => {
      assertCleanError(await berth(root, ["pull", `${host}/x`]), /redirect to unsupported scheme "file" refused/);
    });
    await withFakeRegistry(img, "redirect-ftp", async (host) => {
      assertCleanError(await berth(root, ["pull", `${host}/x`]), /redirect to unsupported scheme "ftp" refused/);
    });
    assertNothingListed(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("hostile registry: a blob that stops half-way fails after the idle timeout of ROOT/config.json", PROC, async () => {
  const img = buildImage({ layers: [await busyboxLayer()] });
  const root = await tempRoot();
  try {
    Deno.writeTextFileSync(join(root, "config.json"), JSON.stringify({ registryIdleTimeout: 1 }));
    await withFakeRegistry(img, "stall", async (host) => {
      const t0 = Date.now();
      const r = await berth(root, ["pull", `${host}/x`]);
      const took = Date.now() - t0;
      assertCleanError(r, /stalled: nothing received for 1 s \(registryIdleTimeout in ROOT\/config\.json\)/);
      assert(took < 15_000, `failed promptly (${took} ms)`);
    });
    assertNothingListed(root);
    // a bad setting is an error that names the file
    Deno.writeTextFileSync(join(root, "config.json"), JSON.stringify({ registryIdleTimeout: "soon" }));
    assertCleanError(await berth(root, ["pull", "127.0.0.1:1/x"]), /config\.json: registryIdleTimeout must be a number/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("hostile registry: a connection reset mid-blob fails the pull with one line and nothing left", PROC, async () => {
  const img = buildImage({ layers: [await busyboxLayer()] });
  const root = await tempRoot();
  try {
    await withFakeRegistry(img, "reset", async (host) => {
      const r = await berth(root, ["pull", `${host}/x`]);
      assertCleanError(r, /^berth: pull .*x:latest: /);
    });
    assertNothingListed(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("hostile registry: a layer whose tar turns invalid after valid bytes fails cleanly", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const good = await tarEntries([{ name: "ok.txt", type: "file", mode: 0o644, data: "fine" }]);
    const bad = new Uint8Array(good.length + 1024);
    bad.set(good.subarray(0, 1024)); // a header and its data, then garbage where the next header goes
    bad.fill(0x41, 1024);
    const img = buildImage({ layers: [bad] });
    await pushImage(reg.url, "badtar", "latest", img);
    const r = await berth(root, ["pull", `${reg.host}/badtar`]);
    assertCleanError(r, /^berth: pull .*badtar:latest: .*(checksum|tar|archive)/i);
    assertNothingListed(root);
  });
});

Deno.test("hostile registry: no space left on device fails the pull in one line; a re-pull with room succeeds", PROC, async () => {
  await withRegistry(async (reg, _root) => {
    const img = buildImage({ layers: [await busyboxLayer()] });
    await pushImage(reg.url, "big", "latest", img);
    const root = await Deno.makeTempDir({ prefix: "berth-test-tiny-" });
    const mount = new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", "size=1m", "berth-test-tiny", root] }).outputSync();
    assert(mount.success, "mount a tiny tmpfs");
    try {
      const r = await berth(root, ["pull", `${reg.host}/big`]);
      assertCleanError(r, /^berth: pull .*big:latest: no space left on device$/m);
      assertEquals((await berth(root, ["images", "-q"])).stdout, "");
      assertNothingListed(root);
      assert(new Deno.Command("mount", { args: ["-o", "remount,size=64m", root] }).outputSync().success);
      const again = await berth(root, ["pull", "-q", `${reg.host}/big`]);
      assertEquals(again.code, 0, again.stderr);
      assertEquals((await berth(root, ["images", "-q"])).stdout.trim().split("\n").length, 1);
    } finally {
      new Deno.Command("umount", { args: [root] }).outputSync();
      await Deno.remove(root, { recursive: true });
    }
  });
});
