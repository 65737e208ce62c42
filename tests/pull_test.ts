import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { berth } from "./helpers/berth.ts";
import { busyboxLayer, PROC, withRegistry } from "./helpers/fixtures.ts";
import { buildImage, pushImage, pushIndex, type Compression } from "./helpers/images.ts";
import { featureLayers } from "./helpers/layers.ts";

const layerDir = (root: string, diffId: string) => join(root, "layers/sha256", diffId.slice(7));

async function mountOverlay(lower: string[], target: string): Promise<void> {
  const r = await new Deno.Command("mount", {
    args: ["-t", "overlay", "overlay", "-o", `ro,lowerdir=${lower.join(":")}`, target],
    stderr: "piped",
  }).output();
  assert(r.success, new TextDecoder().decode(r.stderr));
}

Deno.test("pull: layers stack as overlayfs lower dirs with whiteouts, opaque dirs, links, owners, setuid", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer(), ...await featureLayers()] });
    await pushImage(reg.url, "features", "v1", img);
    const p = await berth(root, ["pull", `${reg.host}/features:v1`]);
    assertEquals(p.code, 0, p.stderr);
    assertMatch(p.stdout, new RegExp(`${reg.host}/features:v1`));
    assertMatch(p.stdout, /Pull complete/);

    // the store holds whiteouts in overlay form
    const l2 = layerDir(root, img.diffIds[2]);
    const wh = Deno.lstatSync(join(l2, "data/gone.txt"));
    assert(wh.isCharDevice && wh.rdev === 0, "whiteout is char 0:0");
    const opq = await new Deno.Command("getfattr", { args: ["-n", "trusted.overlay.opaque", "--only-values", join(l2, "opq")], stdout: "piped" }).output();
    assertEquals(new TextDecoder().decode(opq.stdout), "y");

    // and the kernel's overlayfs sees the image as Docker would
    const mnt = await Deno.makeTempDir({ prefix: "berth-test-mnt-" });
    try {
      await mountOverlay(img.diffIds.slice().reverse().map((d) => layerDir(root, d)), mnt);
      try {
        const ls = (rel: string) => [...Deno.readDirSync(join(mnt, rel))].map((e) => e.name).sort();
        assertEquals(ls("data"), ["keep"]);
        assertEquals(Deno.readTextFileSync(join(mnt, "data/keep")), "new");
        assertEquals(ls("opq"), ["new"]);
        assertEquals(Deno.readTextFileSync(join(mnt, "added")), "3");
        const suid = Deno.statSync(join(mnt, "s/setuid"));
        assertEquals(suid.mode! & 0o7777, 0o4755);
        const owned = Deno.statSync(join(mnt, "o/owned"));
        assertEquals([owned.uid, owned.gid], [1234, 5678]);
        assertEquals(Deno.statSync(join(mnt, "h/a")).ino, Deno.statSync(join(mnt, "h/b")).ino);
        assertEquals(Deno.readLinkSync(join(mnt, "l")), "h/a");
        assertEquals(Deno.readLinkSync(join(mnt, "abs-link")), "/etc/passwd");
        assert(Deno.lstatSync(join(mnt, "f")).isFifo);
        const dev = Deno.lstatSync(join(mnt, "null"));
        assert(dev.isCharDevice && dev.rdev === (1 << 8 | 3));
        assert(Deno.statSync(join(mnt, "bin/busybox")).isFile);
      } finally {
        await new Deno.Command("umount", { args: [mnt] }).output();
      }
    } finally {
      await Deno.remove(mnt, { recursive: true });
    }
    // mtime and xattrs of the lower layer survive
    const keep = join(layerDir(root, img.diffIds[1]), "data/keep");
    assertEquals(Deno.statSync(keep).mtime?.getTime(), 1600000000 * 1000);
    const x = await new Deno.Command("getfattr", { args: ["-n", "user.berth", "--only-values", keep], stdout: "piped" }).output();
    assertEquals(new TextDecoder().decode(x.stdout), "yes");
  });
});

for (const format of ["oci", "docker"] as const) {
  Deno.test(`pull: ${format} manifest with gzip, zstd and uncompressed layers`, PROC, async () => {
    await withRegistry(async (reg, root) => {
      const layers = await featureLayers();
      const compression: Compression[] = ["gzip", "zstd", "none"];
      const img = buildImage({ layers, compression, format });
      await pushImage(reg.url, "mixed", "latest", img);
      const p = await berth(root, ["pull", "-q", `${reg.host}/mixed`]);
      assertEquals(p.code, 0, p.stderr);
      assertEquals(p.stdout.trim(), img.manifestDigest, "-q prints only the digest");
      assertEquals(p.stderr, "");
      assertEquals(p.stdout.split("\n").length, 2, "nothing but the digest");
      for (const d of img.diffIds) assert(Deno.statSync(layerDir(root, d)).isDirectory);
      const inspect = JSON.parse((await berth(root, ["inspect", `${reg.host}/mixed`])).stdout)[0];
      assertEquals(inspect.Id, img.configDigest);
      assertEquals(inspect.RootFS.Layers, img.diffIds);
      assertEquals(inspect.Manifest.MediaType, img.mediaType);
      // pulling again is a no-op that says so
      const again = await berth(root, ["pull", `${reg.host}/mixed`]);
      assertMatch(again.stdout, /Already exists/);
      assertMatch(again.stdout, /Image is up to date/);
    });
  });
}

/** Every entry under `dir`: path, type, mode, owner, size, mtime, link target, content digest. */
function treeOf(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of [...Deno.readDirSync(join(dir, rel))].sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = Deno.lstatSync(join(dir, r));
      let what = "";
      if (st.isSymlink) what = Deno.readLinkSync(join(dir, r));
      else if (st.isFile) what = String(Deno.readFileSync(join(dir, r)).reduce((h, b) => (h * 31 + b) >>> 0, 7));
      const whiteout = st.isCharDevice && st.rdev === 0; // made at unpack time: its mtime is the clock's
      out.push(`${r} ${st.mode} ${st.uid}:${st.gid} ${st.size} ${whiteout ? "-" : st.mtime?.getTime()} ${st.rdev} ${what}`);
      if (st.isDirectory) walk(r);
    }
  };
  walk("");
  return out;
}

Deno.test("pull: without the host's libz, libzstd and libcrypto (BERTH_NO_NATIVE_LIBS=1) the layers are the same", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer(), ...await featureLayers()], compression: ["gzip", "zstd", "none", "gzip"] });
    await pushImage(reg.url, "both", "v1", img);
    const other = await Deno.makeTempDir({ prefix: "berth-test-root-" });
    try {
      const native = await berth(root, ["pull", "-q", `${reg.host}/both:v1`]);
      assertEquals(native.code, 0, native.stderr);
      // node:zlib, node:crypto and layer workers (the path for hosts without the libraries)
      const plain = await berth(other, ["pull", "-q", `${reg.host}/both:v1`], { env: { BERTH_NO_NATIVE_LIBS: "1" } });
      assertEquals(plain.code, 0, plain.stderr);
      assertEquals(plain.stdout, native.stdout);
      for (const d of img.diffIds) {
        const a = treeOf(layerDir(root, d));
        assert(a.length > 0);
        assertEquals(treeOf(layerDir(other, d)), a, `layer ${d}`);
      }
    } finally {
      await Deno.remove(other, { recursive: true });
    }
  });
});

Deno.test("pull: a multi-arch index picks the host's platform, or --platform", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const bb = await busyboxLayer();
    const mark = async (arch: string) => {
      const { tarEntries } = await import("./helpers/images.ts");
      return tarEntries([{ name: "arch", type: "file", mode: 0o644, data: arch }]);
    };
    const amd = buildImage({ layers: [bb, await mark("amd64")], architecture: "amd64" });
    const arm = buildImage({ layers: [bb, await mark("arm64")], architecture: "arm64" });
    const indexDigest = await pushIndex(reg.url, "multi", "latest", [
      { img: amd, architecture: "amd64" },
      { img: arm, architecture: "arm64", variant: "v8" },
    ]);
    const p = await berth(root, ["pull", `${reg.host}/multi`]);
    assertEquals(p.code, 0, p.stderr);
    const host = JSON.parse((await berth(root, ["inspect", `${reg.host}/multi`])).stdout)[0];
    assertEquals(host.Id, amd.configDigest);
    assertEquals(host.Architecture, "amd64");
    assertEquals(host.RepoDigests, [`${reg.host}/multi@${indexDigest}`]);

    const a = await berth(root, ["pull", "--platform", "linux/arm64", `${reg.host}/multi`]);
    assertEquals(a.code, 0, a.stderr);
    const arm64 = JSON.parse((await berth(root, ["inspect", `${reg.host}/multi`])).stdout)[0];
    assertEquals(arm64.Id, arm.configDigest);
    assertEquals(Deno.readTextFileSync(join(layerDir(root, arm.diffIds[1]), "arch")), "arm64");

    const bad = await berth(root, ["pull", "--platform", "linux/s390x", `${reg.host}/multi`]);
    assertEquals(bad.code, 125);
    assertMatch(bad.stderr, /^berth: pull .*: no image for platform linux\/s390x \(index has: linux\/amd64, linux\/arm64\/v8\)\n$/);

    // a single-platform image is what it is: asking for another platform is an error, not a silent mismatch
    await pushImage(reg.url, "amd64only", "latest", amd);
    const only = await berth(root, ["pull", "--platform", "linux/arm64", `${reg.host}/amd64only`]);
    assertEquals(only.code, 125);
    assertMatch(only.stderr, /image is for linux\/amd64, not linux\/arm64\n$/);
  });
});

Deno.test("pull: two concurrent pulls of one image neither corrupt nor duplicate", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer(), ...await featureLayers()] });
    await pushImage(reg.url, "race", "latest", img);
    const [a, b] = await Promise.all([berth(root, ["pull", `${reg.host}/race`]), berth(root, ["pull", `${reg.host}/race`])]);
    assertEquals([a.code, b.code], [0, 0], a.stderr + b.stderr);
    const rows = (await berth(root, ["images", "--format", "json"])).stdout.trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(rows.length, 1);
    assertEquals([...Deno.readDirSync(join(root, "layers/sha256"))].length, 4);
    assertEquals([...Deno.readDirSync(join(root, "tmp"))].length, 0);
    assertEquals(Deno.readTextFileSync(join(layerDir(root, img.diffIds[2]), "data/keep")), "new");
  });
});

Deno.test("pull: kill -9 mid-pull leaves no image listed, and the next pull completes", PROC, async () => {
  await withRegistry(async (reg, root) => {
    // big enough (~48 MB of incompressible data) that the kill lands mid-stream
    const { tarEntries } = await import("./helpers/images.ts");
    const big = [];
    for (let i = 0; i < 3; i++) {
      const data = new Uint8Array(16 << 20);
      for (let o = 0; o < data.length; o += 65536) crypto.getRandomValues(data.subarray(o, o + 65536));
      big.push(await tarEntries([{ name: `blob${i}`, type: "file", mode: 0o644, data }]));
    }
    const img = buildImage({ layers: [await busyboxLayer(), ...big], compression: "gzip" });
    await pushImage(reg.url, "killed", "latest", img);
    const { BERTH } = await import("./helpers/berth.ts");
    const child = new Deno.Command(BERTH, { args: ["--root", root, "pull", `${reg.host}/killed`], stdout: "null", stderr: "null" }).spawn();
    // wait until a layer is being written, then kill the whole process tree
    const busy = () => {
      try {
        const tmp = [...Deno.readDirSync(join(root, "tmp"))];
        return tmp.length > 0 && [...Deno.readDirSync(join(root, "tmp", tmp[0].name))].length > 0;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 500 && !busy(); i++) await new Promise((r) => setTimeout(r, 10));
    assert(busy(), "the pull got under way");
    child.kill("SIGKILL");
    await child.status;
    const listed = await berth(root, ["images", "-q"]);
    assertEquals(listed.stdout.trim(), "", "no half image is listed");
    const p = await berth(root, ["pull", `${reg.host}/killed`]);
    assertEquals(p.code, 0, p.stderr);
    assertEquals([...Deno.readDirSync(join(root, "tmp"))].length, 0, "the dead pull's temp files are gone");
    assertEquals(Deno.statSync(join(layerDir(root, img.diffIds[3]), "blob2")).size, 16 << 20);
  });
});

Deno.test("pull: on a terminal, progress redraws in place", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer(), ...await featureLayers()] });
    await pushImage(reg.url, "tty", "latest", img);
    const { BERTH } = await import("./helpers/berth.ts");
    // script(1) gives berth a real pty as stdout
    const r = await new Deno.Command("script", {
      args: ["-qec", `${BERTH} --root ${root} pull ${reg.host}/tty`, "/dev/null"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(r.stdout);
    assertEquals(r.code, 0, out);
    const ESC = "\x1b";
    assertMatch(out, new RegExp(`${ESC}\\[\\d+A`)); // cursor up: rows are redrawn, not appended
    assertMatch(out, new RegExp(`${ESC}\\[2K[0-9a-f]{12}: Pull complete`));
    assertMatch(out, /Status: Downloaded newer image/);
  });
});
