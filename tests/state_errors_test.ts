/**
 * Issue 11: corrupt or truncated state files (ROOT/config.json, ROOT/images.json, a container's record)
 * give one line that names the file; a container with a corrupt record is still removable with `rm -f`
 * (even a running one, leaving nothing behind); absurd names are clear one-line errors.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertNotMatch } from "./helpers/assert.ts";
import { berth, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

function assertOneLine(r: { code: number; stderr: string }, code: number, re: RegExp): void {
  assertEquals(r.code, code, r.stderr);
  assertMatch(r.stderr, re);
  assertEquals(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  assertNotMatch(r.stderr, /\n\s+at\s|Error:|Stack|os error|SyntaxError/);
}

Deno.test("state: a truncated images.json or config.json is named, in one line", PROC, async () => {
  const root = await tempRoot();
  try {
    Deno.writeTextFileSync(join(root, "images.json"), '{"version":1,"ima');
    assertOneLine(await berth(root, ["images"]), 125, /images\.json is corrupt \(not valid JSON\)/);
    Deno.writeTextFileSync(join(root, "images.json"), "[1]");
    assertOneLine(await berth(root, ["images"]), 125, /images\.json is corrupt \(not an image index\)/);
    Deno.removeSync(join(root, "images.json"));
    Deno.writeTextFileSync(join(root, "config.json"), "{bad");
    assertOneLine(await berth(root, ["pull", "127.0.0.1:1/x"]), 125, /config\.json is corrupt \(not valid JSON\)/);
    Deno.removeSync(join(root, "config.json"));
    // a network's or a volume's record
    Deno.mkdirSync(join(root, "networks"));
    Deno.writeTextFileSync(join(root, "networks", "broken.json"), '{"name":');
    assertOneLine(await berth(root, ["network", "ls"]), 125, /networks\/broken\.json is corrupt \(not valid JSON\)/);
    Deno.removeSync(join(root, "networks", "broken.json"));
    assertEquals((await berth(root, ["volume", "create", "vbad"])).code, 0);
    Deno.writeTextFileSync(join(root, "volumes", "vbad", "volume.json"), "");
    assertOneLine(await berth(root, ["volume", "inspect", "vbad"]), 125, /volumes\/vbad\/volume\.json is corrupt \(not valid JSON: empty\)/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("state: a container with a corrupt record is named by ps and rm, and rm -f removes it (running too)", PROC, async () => {
  const { root, base } = await runImages();
  const mounts = () => Deno.readTextFileSync("/proc/self/mountinfo").split("\n").filter((l) => l.includes(root)).length;
  const before = mounts();
  const stopped = (await berth(root, ["create", "--name", "bad-stopped", base, "true"])).stdout.trim();
  const running = (await berth(root, ["run", "-d", "--name", "bad-running", base, "sleep", "60"])).stdout.trim();
  assertMatch(running, /^[0-9a-f]{64}$/);
  const pid = JSON.parse((await berth(root, ["inspect", "bad-running"])).stdout)[0].State.Pid as number;
  try {
    Deno.writeTextFileSync(join(root, "containers", stopped, "container.json"), '{"spec":{"id":');
    Deno.writeTextFileSync(join(root, "containers", running, "container.json"), "");
    const ps = await berth(root, ["ps", "-a"]);
    assertEquals(ps.code, 0);
    assertMatch(ps.stderr, new RegExp(`containers/${stopped}/container\\.json is corrupt \\(not valid JSON\\); 'berth rm -f ${stopped.slice(0, 12)}'`));
    assertMatch(ps.stderr, new RegExp(`containers/${running}/container\\.json is corrupt \\(empty\\)`));
    assertOneLine(await berth(root, ["rm", "bad-stopped"]), 1, /container\.json is corrupt/);
    const ins = await berth(root, ["inspect", stopped.slice(0, 12)]);
    assert(ins.code !== 0 && /container\.json is corrupt/.test(ins.stderr), ins.stderr);
    const rm = await berth(root, ["rm", "-f", "bad-stopped", running.slice(0, 12)]);
    assertEquals(rm.code, 0, rm.stderr);
    assertEquals(rm.stdout.trim().split("\n"), ["bad-stopped", running.slice(0, 12)]);
    assertEquals([stopped, running].filter((id) => {
      try {
        Deno.statSync(join(root, "containers", id));
        return true;
      } catch {
        return false;
      }
    }), []);
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
        alive = stat[stat.lastIndexOf(")") + 2] !== "Z";
      } catch {
        alive = false;
      }
      if (alive) await new Promise((r) => setTimeout(r, 100));
    }
    assert(!alive, "the running container's process was killed");
    assertEquals(mounts(), before, "its rootfs was unmounted");
    // the names are free again
    const again = await berth(root, ["create", "--name", "bad-stopped", base, "true"]);
    assertEquals(again.code, 0, again.stderr);
    await berth(root, ["rm", "bad-stopped"]);
  } finally {
    await berth(root, ["rm", "-f", stopped, running]);
  }
});

Deno.test("state: too-long names for containers, volumes and networks are one-line errors", PROC, async () => {
  const { root, base } = await runImages();
  const long = "a".repeat(300);
  assertOneLine(await berth(root, ["create", "--name", long, base, "true"]), 125, /Invalid container name \(a{40}…\): at most 128 characters/);
  assertOneLine(await berth(root, ["volume", "create", long]), 125, /volume name "a{40}…" is too long/);
  assertOneLine(await berth(root, ["network", "create", long]), 125, /invalid network name "a{40}…": at most 128 characters/);
  assertEquals((await berth(root, ["ps", "-aq"])).stdout, "");
});
