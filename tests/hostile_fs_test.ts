/**
 * Issue 11, part 1: trees that an image or a container controls are resolved inside themselves. Each test
 * builds its own hostile fixture — a layer that replaces a directory by a symlink to a host path after
 * writing into it, a container that plants symlinks and FIFOs, a container that swaps a directory and a
 * symlink in a loop while berth copies — and checks that nothing outside changed and nothing hung.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth, BERTH, type BerthResult } from "./helpers/berth.ts";
import { PROC, withRegistry } from "./helpers/fixtures.ts";
import { buildImage, pushImage, tarEntries } from "./helpers/images.ts";
import { runImages } from "./helpers/run_images.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function b(args: string[], code = 0, opts: { stdin?: string } = {}): Promise<BerthResult> {
  const { root } = await runImages();
  const r = await berth(root, args, opts);
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stderr}`);
  return r;
}

/** berth with a deadline: a hang fails the test instead of stalling the suite. */
async function bTimed(args: string[], ms: number): Promise<BerthResult & { timedOut: boolean }> {
  const { root } = await runImages();
  const child = new Deno.Command(BERTH, { args: ["--root", root, ...args], stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, ms);
  const r = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr), timedOut };
}

async function removeAll(): Promise<void> {
  const { root } = await runImages();
  const ids = (await berth(root, ["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
  if (ids.length) await berth(root, ["rm", "-f", "-v", ...ids]);
}

function withHost(fn: (host: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const host = await Deno.makeTempDir({ prefix: "berth-test-hostile-" });
    try {
      await fn(host);
    } finally {
      await removeAll();
      await Deno.remove(host, { recursive: true });
    }
  };
}

function xattrNames(path: string): string[] {
  const r = new Deno.Command("getfattr", { args: ["-d", "-m", "-", "--absolute-names", path], stdout: "piped", stderr: "null" }).outputSync();
  return new TextDecoder().decode(r.stdout).split("\n").filter((l) => l.includes("="));
}

Deno.test("hostile layer: metadata of a directory later replaced by a symlink to the host never reaches the host", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const outside = await Deno.makeTempDir({ prefix: "berth-test-outside-" });
    try {
      Deno.mkdirSync(join(outside, "q"));
      Deno.chmodSync(outside, 0o755);
      Deno.chmodSync(join(outside, "q"), 0o755);
      Deno.utimeSync(outside, 1_000_000_000, 1_000_000_000);
      const before = Deno.statSync(outside);
      const layer = await tarEntries([
        // a directory with metadata to set at the end, written into, then replaced by a link to the host
        { name: "d/", type: "dir", mode: 0o4777, uid: 4321, gid: 4321, xattrs: new Map([["user.evil", new TextEncoder().encode("1")]]) },
        { name: "d/f", type: "file", mode: 0o644, data: "x" },
        { name: "d", type: "symlink", mode: 0o777, linkname: outside },
        // a parent replaced: p/q's metadata must not land on OUTSIDE/q
        { name: "p/", type: "dir", mode: 0o755 },
        { name: "p/q/", type: "dir", mode: 0o700, uid: 4321, gid: 4321 },
        { name: "p", type: "symlink", mode: 0o777, linkname: outside },
        // a directory replaced by a file, then by a directory again: the second one's metadata wins
        { name: "r/", type: "dir", mode: 0o700 },
        { name: "r", type: "file", mode: 0o644, data: "" },
        { name: "r/", type: "dir", mode: 0o751 },
      ]);
      const img = buildImage({ layers: [layer] });
      await pushImage(reg.url, "meta", "latest", img);
      const r = await berth(root, ["pull", `${reg.host}/meta`]);
      assertEquals(r.code, 0, r.stderr);
      const after = Deno.statSync(outside);
      assertEquals([after.mode! & 0o7777, after.uid, after.mtime?.getTime()], [before.mode! & 0o7777, before.uid, before.mtime?.getTime()]);
      const q = Deno.statSync(join(outside, "q"));
      assertEquals([q.mode! & 0o7777, q.uid], [0o755, 0]);
      assertEquals(xattrNames(outside), []);
      assertEquals([...Deno.readDirSync(outside)].map((e) => e.name), ["q"]);
      const layerDir = join(root, "layers/sha256", img.diffIds[0].slice(7));
      assertEquals(Deno.readLinkSync(join(layerDir, "d")), outside);
      assertEquals(Deno.statSync(join(layerDir, "r")).mode! & 0o7777, 0o751);
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  });
});

Deno.test("hostile layer: overlay's own xattrs (trusted.overlay.* and, for a user's userxattr mounts, user.overlay.*) are never taken from an image", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const x = (v: string) => new TextEncoder().encode(v);
    const layer = await tarEntries([
      { name: "d/", type: "dir", mode: 0o755, xattrs: new Map([["trusted.overlay.opaque", x("y")], ["user.overlay.opaque", x("y")], ["user.overlay.redirect", x("/etc")], ["user.kept", x("1")]]) },
      { name: "d/f", type: "file", mode: 0o644, data: "", xattrs: new Map([["user.overlay.whiteout", x("y")], ["trusted.overlay.metacopy", x("")], ["user.kept", x("2")]]) },
    ]);
    const img = buildImage({ layers: [layer] });
    await pushImage(reg.url, "ovx", "latest", img);
    const r = await berth(root, ["pull", `${reg.host}/ovx`]);
    assertEquals(r.code, 0, r.stderr);
    const layerDir = join(root, "layers/sha256", img.diffIds[0].slice(7));
    assertEquals(xattrNames(join(layerDir, "d")), ['user.kept="1"']);
    assertEquals(xattrNames(join(layerDir, "d/f")), ['user.kept="2"']);
  });
});

Deno.test("hostile container: cp out gives symlinks as symlinks, never the host file they name", PROC, withHost(async (host) => {
  const { base } = await runImages();
  Deno.writeTextFileSync(join(host, "secret"), "HOST SECRET\n");
  await b(["run", "-d", "--name", "linker", base, "sh", "-c",
    `mkdir -p /x/sub; ln -s ${host}/secret /x/abs; ln -s ../../../../../../${host}/secret /x/rel; ln -s ${host} /x/sub/dirlink; exec sleep 60`]);
  await sleep(300);
  Deno.mkdirSync(join(host, "out"));
  await b(["cp", "linker:/x/abs", join(host, "out/abs")]);
  assertEquals(Deno.readLinkSync(join(host, "out/abs")), `${host}/secret`);
  await b(["cp", "linker:/x", join(host, "out/tree")]);
  assertEquals(Deno.readLinkSync(join(host, "out/tree/rel")), `../../../../../../${host}/secret`);
  assertEquals(Deno.readLinkSync(join(host, "out/tree/sub/dirlink")), host);
  // a path through the container's link to "host" is resolved in the container, where nothing is
  const r = await b(["cp", `linker:/x/sub/dirlink/secret`, join(host, "out/through")], 1); // Docker: 1 (not found)
  assertMatch(r.stderr, /Could not find the file/);
  // the tar stream has the link as a link
  const tar = await new Deno.Command("sh", {
    args: ["-c", `"$0" --root "$1" cp linker:/x - | tar -tvf -`, BERTH, (await runImages()).root],
    stdout: "piped",
  }).output();
  const listing = new TextDecoder().decode(tar.stdout);
  assertMatch(listing, /x\/abs -> .*secret/);
  assert(!listing.includes("HOST SECRET"));
}));

Deno.test("hostile container: cp into it never writes through a symlink it planted, and merges into directories", PROC, withHost(async (host) => {
  const { base, root } = await runImages();
  const victim = join(host, "victim");
  Deno.mkdirSync(victim);
  Deno.writeTextFileSync(join(victim, "file"), "safe\n");
  await b(["run", "-d", "--name", "planter", base, "sh", "-c",
    `mkdir -p /dst/keep; echo kept > /dst/keep/old; ln -s ${victim}/file /dst/file; ln -s ${victim} /dst/sub; exec sleep 60`]);
  await sleep(300);
  const src = join(host, "src");
  Deno.mkdirSync(join(src, "keep"), { recursive: true });
  Deno.mkdirSync(join(src, "sub"));
  Deno.writeTextFileSync(join(src, "file"), "from host\n");
  Deno.writeTextFileSync(join(src, "keep/new"), "new\n");
  Deno.writeTextFileSync(join(src, "sub/file"), "through the link?\n");
  await b(["cp", `${src}/.`, "planter:/dst"]);
  assertEquals(Deno.readTextFileSync(join(victim, "file")), "safe\n");
  assertEquals([...Deno.readDirSync(victim)].map((e) => e.name), ["file"]);
  assertEquals((await b(["exec", "planter", "cat", "/dst/file", "/dst/keep/old", "/dst/keep/new", "/dst/sub/file"])).stdout,
    "from host\nkept\nnew\nthrough the link?\n");
  // a single file onto a planted link replaces the link
  await b(["exec", "planter", "ln", "-s", `${victim}/file`, "/dst/one"]);
  await b(["cp", join(src, "file"), "planter:/dst/one"]);
  assertEquals(Deno.readTextFileSync(join(victim, "file")), "safe\n");
  // a tar stream with a link to the host and a write through it
  const tar = join(host, "evil.tar");
  const t = await new Deno.Command("sh", {
    args: ["-c", `cd "$1" && mkdir t && ln -s "$2" t/esc && tar -cf "$3" -C t esc && echo pwned > p && tar --transform 's,^p,esc/pwned,' -rf "$3" p`, "sh", host, victim, tar],
  }).output();
  assert(t.success);
  const r = await new Deno.Command("sh", { args: ["-c", `"$0" --root "$1" cp - planter:/dst < "$2"`, BERTH, root, tar], stderr: "piped" }).output();
  assert(r.success, new TextDecoder().decode(r.stderr));
  assertEquals([...Deno.readDirSync(victim)].map((e) => e.name), ["file"]);
  // the tar's link is resolved inside what the tar unpacks to, as a layer's is
  assertEquals((await b(["exec", "planter", "cat", `/dst${victim}/pwned`])).stdout, "pwned\n");
}));

Deno.test("hostile container: a directory swapped with a symlink to the host during cp never redirects the copy", PROC, withHost(async (host) => {
  const { base } = await runImages();
  const victim = join(host, "victim");
  Deno.mkdirSync(victim);
  Deno.writeTextFileSync(join(victim, "f000"), "HOST SECRET\n");
  // the container swaps /d (a real directory) and a symlink to the victim's path as fast as it can
  await b(["run", "-d", "--name", "swapper", base, "sh", "-c",
    `mkdir -p /d; for i in $(seq 0 199); do echo data > /d/f$(printf %03d $i); done; ` +
    `while :; do mv /d /d.real; ln -s ${victim} /d; rm /d; mv /d.real /d; done`]);
  await sleep(300);
  const src = join(host, "src");
  Deno.mkdirSync(src);
  for (let i = 0; i < 200; i++) Deno.writeTextFileSync(join(src, `n${String(i).padStart(3, "0")}`), "in\n");
  for (let round = 0; round < 10; round++) {
    // into the container: a copy that fails half-way is fine, one that lands on the host is not
    await bTimed(["cp", `${src}/.`, "swapper:/d"], 20_000);
    assertEquals([...Deno.readDirSync(victim)].map((e) => e.name), ["f000"], "a write went to the host");
    // out of the container: only the container's own data, never the host file
    const out = join(host, `out${round}`);
    await bTimed(["cp", "swapper:/d/.", out], 20_000);
    try {
      for (const e of Deno.readDirSync(out)) {
        const st = Deno.lstatSync(join(out, e.name));
        if (st.isFile) assert(!Deno.readTextFileSync(join(out, e.name)).includes("HOST SECRET"), "a host file was copied out");
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
}));

Deno.test("hostile container: exec -u with /etc/passwd made a FIFO neither hangs nor reads the host's", PROC, withHost(async () => {
  const { base } = await runImages();
  await b(["run", "-d", "--name", "fifo", base, "sh", "-c", "rm /etc/passwd; mkfifo /etc/passwd; ln -sf /proc/1/fd/0 /etc/group; exec sleep 60"]);
  await sleep(300);
  const r = await bTimed(["exec", "-u", "app", "fifo", "id"], 10_000);
  assert(!r.timedOut, "exec -u hung on the container's FIFO");
  assertEquals(r.code, 125);
  assertMatch(r.stderr, /unable to find user app/);
  // (not `id`: it would block on the FIFO itself, inside the container)
  const n = await bTimed(["exec", "-u", "1000:1000", "fifo", "grep", "^Uid", "/proc/self/status"], 10_000);
  assert(!n.timedOut, "exec -u with ids hung");
  assertEquals(n.code, 0, n.stderr);
  assertMatch(n.stdout, /^Uid:\s+1000\s/);
}));

Deno.test("run -v HOSTDIR:/tools IMAGE /tools/prog runs the program from the volume; PATH finds it too", PROC, withHost(async (host) => {
  const { base } = await runImages();
  const tools = join(host, "tools");
  Deno.mkdirSync(tools);
  Deno.writeTextFileSync(join(tools, "prog"), "#!/bin/sh\necho tool ran \"$@\"\n");
  Deno.chmodSync(join(tools, "prog"), 0o755);
  assertEquals((await b(["run", "--rm", "-v", `${tools}:/tools`, base, "/tools/prog", "a"])).stdout, "tool ran a\n");
  assertEquals((await b(["run", "--rm", "-v", `${tools}:/tools:ro`, "-e", "PATH=/tools:/bin", base, "prog", "b"])).stdout, "tool ran b\n");
  const missing = await b(["run", "--rm", "-v", `${tools}:/tools`, base, "/tools/nope"], 127);
  assertMatch(missing.stderr, /no such file or directory/);
}));

Deno.test("hostile container: exec -t never takes a terminal outside the container's own devpts", PROC, withHost(async () => {
  const { base, root } = await runImages();
  // a privileged container replaces its /dev/pts by a link to the host's devpts path
  await b(["run", "-d", "--privileged", "--name", "ptsswap", base, "sh", "-c", "umount /dev/pts && rm -rf /dev/pts && ln -s /dev/pts /dev/pts && echo swapped > /tmp/ok; exec sleep 60"]);
  for (let i = 0; i < 50 && (await berth(root, ["exec", "ptsswap", "cat", "/tmp/ok"])).code !== 0; i++) await sleep(100);
  const r = await new Deno.Command("script", {
    args: ["-qec", `${BERTH} --root ${root} exec -t ptsswap tty`, "/dev/null"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const screen = new TextDecoder().decode(r.stdout);
  assertEquals(r.code, 125, screen);
  assertMatch(screen, /the container's \/dev\/pts is not its devpts/);
}));

Deno.test("hostile image: diff looks paths up in the image's layers without following their symlinks", PROC, withHost(async (host) => {
  const { base } = await runImages();
  Deno.writeTextFileSync(join(host, "x"), "host file\n");
  const ctx = join(host, "ctx");
  Deno.mkdirSync(ctx);
  Deno.writeTextFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nRUN ln -s ${host} /d\n`);
  await b(["build", "-q", "--network", "none", "-t", "linkimg:1", ctx]);
  try {
    // the container replaces the image's link by a directory and adds x: x is new, whatever the host has
    await b(["run", "--name", "differ", "--network", "none", "linkimg:1", "sh", "-c", "rm /d && mkdir /d && echo mine > /d/x"]);
    const diff = (await b(["diff", "differ"])).stdout.split("\n").filter((l) => l.includes("/d"));
    assertEquals(diff, ["C /d", "A /d/x"]);
  } finally {
    await removeAll();
    await b(["rmi", "linkimg:1"]);
  }
}));

Deno.test("hostile container: a symlink planted in a shared volume cannot redirect another container's mount", PROC, withHost(async (host) => {
  const { base } = await runImages();
  const src = join(host, "src");
  Deno.mkdirSync(src);
  Deno.writeTextFileSync(join(src, "file"), "from the host dir\n");
  try {
    // A shares the volume and plants /data/sub -> /tmp (absolute: the host's /tmp, if followed from the host)
    await b(["run", "-d", "--name", "planter-a", "-v", "sharedvol:/data", base, "sh", "-c", "ln -s /tmp /data/sub; exec sleep 60"]);
    await sleep(300);
    // B mounts a directory at /data/sub, inside that volume: the link is taken inside B's rootfs
    const r = await b(["run", "--rm", "-v", "sharedvol:/data", "-v", `${src}:/data/sub:ro`, base, "sh", "-c", "cat /data/sub/file /tmp/file; touch /tmp/x 2>&1 || echo read-only"]);
    assertMatch(r.stdout, /^from the host dir\nfrom the host dir\n.*(Read-only|read-only)/s);
  } finally {
    await removeAll();
    const { root } = await runImages();
    await berth(root, ["volume", "rm", "sharedvol"]);
  }
}));
