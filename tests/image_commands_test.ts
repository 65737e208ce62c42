import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { berth, tempRoot } from "./helpers/berth.ts";
import { busyboxLayer, PROC, withRegistry } from "./helpers/fixtures.ts";
import { buildImage, pushImage, tarEntries } from "./helpers/images.ts";

const count = (dir: string) => [...Deno.readDirSync(dir)].length;

Deno.test("images, inspect, history, tag", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const extra = await tarEntries([{ name: "hello", type: "file", mode: 0o644, data: "hi" }]);
    const img = buildImage({ layers: [await busyboxLayer(), extra], cmd: ["/bin/echo", "hi"] });
    await pushImage(reg.url, "app", "1.0", img);
    assertEquals((await berth(root, ["pull", "-q", `${reg.host}/app:1.0`])).code, 0);

    const table = await berth(root, ["images"]);
    assertMatch(table.stdout, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\n/);
    assertMatch(table.stdout, new RegExp(`${reg.host}/app +1\\.0 +${img.configDigest.slice(7, 19)} +\\d+ \\w+ ago +\\d`));
    const json = JSON.parse((await berth(root, ["images", "--format", "json"])).stdout);
    assertEquals([json.ID, json.Repository, json.Tag, json.Digest], [img.configDigest, `${reg.host}/app`, "1.0", img.manifestDigest]);
    assert(json.Size > 1_000_000, "size counts the unpacked layers");
    assertEquals((await berth(root, ["images", "-q"])).stdout.trim(), img.configDigest.slice(7, 19));

    const inspect = JSON.parse((await berth(root, ["inspect", img.configDigest.slice(7, 15)])).stdout)[0];
    assertEquals(inspect.Config.Cmd, ["/bin/echo", "hi"]);
    assertEquals(inspect.Os, "linux");
    const missing = await berth(root, ["inspect", "nope"]);
    assertEquals(missing.code, 1);
    assertEquals(missing.stderr, "berth: No such object: nope\n");

    const hist = await berth(root, ["history", `${reg.host}/app:1.0`]);
    assertEquals(hist.code, 0, hist.stderr);
    const lines = hist.stdout.trim().split("\n");
    assertEquals(lines.length, 3);
    assertMatch(lines[1], new RegExp(`^${img.configDigest.slice(7, 19)} .*test layer 1 +\\d+B`));
    assertMatch(lines[2], /^<missing> .*test layer 0 +1\.\d+MB/);

    assertEquals((await berth(root, ["tag", `${reg.host}/app:1.0`, "myapp:latest"])).code, 0);
    const tagged = JSON.parse((await berth(root, ["inspect", "myapp"])).stdout)[0];
    assertEquals(tagged.RepoTags, [`${reg.host}/app:1.0`, "myapp:latest"]);
    const badTag = await berth(root, ["tag", "nope", "x"]);
    assertEquals([badTag.code, badTag.stderr], [1, "berth: No such image: nope\n"]);
  });
});

Deno.test("rmi: untags first, refuses an ID with several tags without -f, keeps shared layers, collects the rest", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const base = await busyboxLayer();
    const a = buildImage({ layers: [base, await tarEntries([{ name: "a", type: "file", mode: 0o644, data: "a" }])] });
    const b = buildImage({ layers: [base, await tarEntries([{ name: "b", type: "file", mode: 0o644, data: "b" }])] });
    await pushImage(reg.url, "a", "latest", a);
    await pushImage(reg.url, "b", "latest", b);
    for (const n of ["a", "b"]) assertEquals((await berth(root, ["pull", "-q", `${reg.host}/${n}`])).code, 0);
    assertEquals(count(join(root, "layers/sha256")), 3, "the shared base is unpacked once");
    await berth(root, ["tag", `${reg.host}/a`, "a2"]);

    const conflict = await berth(root, ["rmi", a.configDigest.slice(7, 19)]);
    assertEquals(conflict.code, 1);
    assertMatch(conflict.stderr, /must be forced/);
    const untag = await berth(root, ["rmi", "a2"]);
    assertEquals(untag.stdout, "Untagged: a2:latest\n");
    assertEquals(count(join(root, "layers/sha256")), 3);

    const del = await berth(root, ["rmi", `${reg.host}/a`]);
    assertEquals(del.code, 0, del.stderr);
    assertMatch(del.stdout, new RegExp(`Deleted: ${a.configDigest}`));
    assertEquals(count(join(root, "layers/sha256")), 2, "a's own layer is gone, the shared one stays");
    assert(!Deno.readDirSync(join(root, "blobs/sha256")).some((e) => e.name === a.configDigest.slice(7)));
    assertEquals((await berth(root, ["export", `${reg.host}/b`])).code, 0);

    assertEquals((await berth(root, ["rmi", "-f", b.configDigest.slice(7, 19)])).code, 0);
    assertEquals(count(join(root, "layers/sha256")), 0);
    assertEquals(count(join(root, "blobs/sha256")), 0);
    const none = await berth(root, ["rmi", "ghost"]);
    assertEquals([none.code, none.stderr], [1, "berth: No such image: ghost\n"]);
  });
});

Deno.test("cli: help, version, unknown commands and flags", PROC, async () => {
  const root = await tempRoot();
  try {
    const v = await berth(root, ["--version"]);
    assertMatch(v.stdout, /^berth version \d+\.\d+\.\d+\n$/);
    const h = await berth(root, ["help"]);
    for (const c of ["pull", "images", "inspect", "history", "tag", "rmi", "export", "save", "load", "login", "logout"]) {
      assertMatch(h.stdout, new RegExp(`\\n  ${c} +\\S`));
    }
    const ph = await berth(root, ["pull", "--help"]);
    assertMatch(ph.stdout, /^Usage: {2}berth pull \[OPTIONS\] NAME/);
    const bad = await berth(root, ["frobnicate"]);
    assertEquals(bad.code, 125);
    assertMatch(bad.stderr, /^berth: 'frobnicate' is not a berth command/);
    const flag = await berth(root, ["images", "--nope"]);
    assertEquals(flag.code, 125);
    assertMatch(flag.stderr, /^berth: images: unknown flag: --nope/);
    const env = await new Deno.Command((await import("./helpers/berth.ts")).BERTH, {
      args: ["images", "-q"],
      env: { BERTH_ROOT: root },
      stdout: "piped",
    }).output();
    assertEquals(env.code, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
