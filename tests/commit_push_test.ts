/**
 * `berth commit` and `berth push` end to end: a container's changes (added, deleted, an opaque
 * directory, a big file) become a layer; the image runs; it is pushed to a real registry (plain and
 * behind Basic auth, chunked and monolithic, mounted across repositories), checked by skopeo and umoci,
 * and pulled back into a fresh root with the same digests.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth, type BerthResult, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { startRegistry } from "./helpers/registry.ts";
import { runImages } from "./helpers/run_images.ts";
import { runTool } from "./helpers/tool.ts";

async function b(args: string[], code = 0, stdin?: string): Promise<BerthResult> {
  const { root } = await runImages();
  const r = await berth(root, args, stdin === undefined ? {} : { stdin });
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r;
}

const run = runTool;

const CHANGES = "echo changed > /new.txt; rm /etc/group; rm -rf /seed; mkdir -p /seed/fresh; echo f > /seed/fresh/f; " +
  "head -c 12582912 /dev/urandom > /big.bin; md5sum /big.bin > /big.md5";

Deno.test("commit: a container's changes are a new layer (whiteouts, opaque dirs), -c and -m apply", PROC, async () => {
  const { base } = await runImages();
  try {
    await b(["run", "--name", "changer", "--network", "none", base, "sh", "-c", CHANGES]);
    const id = (await b(["commit", "-m", "my change", "-a", "Tester", "-c", 'CMD ["cat", "/new.txt"]', "-c", "ENV MODE=committed", "changer", "committed:v1"])).stdout.trim();
    assertMatch(id, /^sha256:[0-9a-f]{64}$/);
    assertEquals((await b(["run", "--rm", "--network", "none", "committed:v1"])).stdout, "changed\n");
    const seen = await b(["run", "--rm", "--network", "none", "committed:v1", "sh", "-c", "ls /etc/group 2>&1; ls /seed; md5sum -c /big.md5; echo $MODE"]);
    assertEquals(seen.stdout, "ls: /etc/group: No such file or directory\nfresh\n/big.bin: OK\ncommitted\n");
    const info = JSON.parse((await b(["inspect", "committed:v1"])).stdout)[0];
    assertEquals(info.Id, id);
    assertEquals(info.Author, "Tester");
    const hist = (await b(["history", "committed:v1"])).stdout.split("\n");
    assertMatch(hist[1], /berth commit changer .*my change/);
    // a running container is frozen while it is committed, and runs on
    await b(["run", "-d", "--name", "live", "--network", "none", base, "sh", "-c", "echo live > /live.txt; exec sleep 60"]);
    await new Promise((r) => setTimeout(r, 300));
    await b(["commit", "live", "committed:live"]);
    assertEquals((await b(["inspect", "live"])).stdout.includes('"Status": "running"'), true);
    assertEquals((await b(["run", "--rm", "--network", "none", "committed:live", "cat", "/live.txt"])).stdout, "live\n");
    assertMatch((await b(["commit", "-c", "RUN true", "live"], 125)).stderr, /RUN is not a valid change command/);
    assertMatch((await b(["commit", "nope"], 1)).stderr, /No such container: nope/);
  } finally {
    await b(["rm", "-f", "changer", "live"]).catch(() => {});
  }
});

Deno.test("push: to a registry (chunked and monolithic, mounted across repositories); skopeo, umoci and a fresh pull agree", PROC, async () => {
  const reg = await startRegistry();
  const fresh = await tempRoot();
  const work = await Deno.makeTempDir({ prefix: "berth-test-push-" });
  try {
    const name = `${reg.host}/pushed/app:1.0`;
    await b(["tag", "committed:v1", name]);
    const out = await b(["push", name]);
    assertMatch(out.stdout, /^The push refers to repository \[127\.0\.0\.1:\d+\/pushed\/app\]\n/);
    const digest = out.stdout.match(/1\.0: digest: (sha256:[0-9a-f]{64}) size: \d+/)?.[1];
    assert(digest, out.stdout);
    assertEquals(JSON.parse((await b(["inspect", "committed:v1"])).stdout)[0].RepoDigests.includes(`${reg.host}/pushed/app@${digest}`), true);

    const info = JSON.parse(await run("skopeo", ["inspect", "--tls-verify=false", `docker://${name}`]));
    assertEquals(info.Digest, digest);
    assertEquals(info.Layers.length, 2);
    await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${name}`, `oci:${join(work, "layout")}:app`]);
    await run("umoci", ["unpack", "--image", `${join(work, "layout")}:app`, join(work, "bundle")]);
    const rootfs = join(work, "bundle", "rootfs");
    assertEquals(await Deno.readTextFile(join(rootfs, "new.txt")), "changed\n");
    assertEquals(Deno.statSync(join(rootfs, "big.bin")).size, 12582912);
    let group = true;
    try {
      Deno.statSync(join(rootfs, "etc/group"));
    } catch {
      group = false;
    }
    assert(!group, "umoci applied the whiteout");
    assertEquals([...Deno.readDirSync(join(rootfs, "seed"))].map((e) => e.name), ["fresh"], "umoci applied the opaque dir");

    // the same image to another repository: its blobs are mounted, not sent again
    const other = `${reg.host}/other/app:1.0`;
    await b(["tag", "committed:v1", other]);
    assertMatch((await b(["push", other])).stdout, /Mounted from pushed\/app/);
    assertMatch((await b(["push", name])).stdout, /Layer already exists/);

    // a fresh root pulls it back with the same digests, and runs it
    const p = await berth(fresh, ["pull", "-q", name]);
    assertEquals([p.code, p.stdout.trim()], [0, digest], p.stderr);
    const r = await berth(fresh, ["run", "--rm", "--network", "none", name]);
    assertEquals(r.stdout, "changed\n", r.stderr);
    assertMatch((await b(["push", `${reg.host}/nope:1`], 1)).stderr, /No such image/);
  } finally {
    await reg.stop();
    await Deno.remove(fresh, { recursive: true });
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("push: to a Basic-auth registry — refused without login (401), works after it", PROC, async () => {
  const reg = await startRegistry({ htpasswd: { user: "pusher", password: "s3cret" } });
  try {
    const name = `${reg.host}/secure/app:2`;
    await b(["tag", "committed:v1", name]);
    const anon = await b(["push", name], 125);
    assertMatch(anon.stderr, /^berth: push .*\(401\)\n$/);
    await b(["login", "-u", "pusher", "--password-stdin", reg.host], 0, "s3cret\n");
    const ok = await b(["push", "-q", name]);
    assertMatch(ok.stdout, /^sha256:[0-9a-f]{64}\n$/);
    await b(["logout", reg.host]);
  } finally {
    await reg.stop();
    await b(["rmi", "committed:v1", "committed:live"]).catch(() => {});
  }
});
