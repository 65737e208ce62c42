/**
 * Issue 11: many commands racing on one root. `run -d --name N` against `rm -f N`, many `run -d` at
 * once on a root with no supervisor yet, parallel pulls of one image: afterwards every running container
 * is visible to `ps -a` and removable, exactly one supervisor serves the root, and nothing leaks (mounts,
 * cgroups, leases, veths).
 */
import { join } from "node:path";
import { assert, assertEquals } from "./helpers/assert.ts";
import { berth, tempRoot } from "./helpers/berth.ts";
import { supervisorPids } from "./helpers/procs.ts";
import { PROC, withRegistry } from "./helpers/fixtures.ts";
import { buildImage, pushImage } from "./helpers/images.ts";
import { fullBusybox, removeNetworksSync } from "./helpers/run_images.ts";
import { tarDir } from "./helpers/images.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Container ids that have a cgroup of berth's (their processes may still run). */
function cgroupIds(): string[] {
  const ids = new Set<string>();
  for (const c of ["/sys/fs/cgroup/pids/berth", "/sys/fs/cgroup/memory/berth", "/sys/fs/cgroup/berth"]) {
    try {
      for (const e of Deno.readDirSync(c)) if (e.isDirectory && /^[0-9a-f]{64}$/.test(e.name)) ids.add(e.name);
    } catch { /* none */ }
  }
  return [...ids];
}

const mountsOf = (root: string) => Deno.readTextFileSync("/proc/self/mountinfo").split("\n").filter((l) => l.includes(root));

/** Pulls a busybox image into a fresh root and runs `fn`; the root and its networks go afterwards. */
async function withRoot(fn: (root: string, image: string) => Promise<void>): Promise<void> {
  await withRegistry(async (reg, _r) => {
    const dir = await Deno.makeTempDir({ prefix: "berth-test-rootfs-" });
    const root = await tempRoot();
    try {
      await fullBusybox(dir);
      await pushImage(reg.url, "race", "latest", buildImage({ layers: [await tarDir(dir, true)] }));
      const image = `${reg.host}/race`;
      const p = await berth(root, ["pull", "-q", image]);
      assertEquals(p.code, 0, p.stderr);
      await fn(root, image);
    } finally {
      const ids = (await berth(root, ["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
      if (ids.length) await berth(root, ["rm", "-f", ...ids]);
      removeNetworksSync(root);
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(root, { recursive: true });
    }
  });
}

/** Everything running is listed and removable; afterwards nothing of the root is left. */
async function checkConsistentThenClean(root: string): Promise<void> {
  const listed = (await berth(root, ["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
  const dirs = [...Deno.readDirSync(join(root, "containers"))].filter((e) => /^[0-9a-f]{64}$/.test(e.name)).map((e) => e.name);
  assertEquals(dirs.sort(), [...listed].sort(), "every container directory is a listed container");
  for (const id of cgroupIds()) {
    try {
      Deno.statSync(join(root, "containers", id));
    } catch {
      // a cgroup whose container is not in this root may be another test's: only ours count
      if (mountsOf(root).some((m) => m.includes(id))) throw new Error(`container ${id} runs but is not listed`);
    }
  }
  if (listed.length) {
    const rm = await berth(root, ["rm", "-f", ...listed]);
    assertEquals(rm.code, 0, rm.stderr);
  }
  assertEquals(mountsOf(root), [], "no mounts left");
  let leases: string[] = [];
  try {
    leases = [...Deno.readDirSync(join(root, "networks"))].filter((e) => e.name.endsWith(".leases"))
      .flatMap((e) => [...Deno.readDirSync(join(root, "networks", e.name))].map((l) => l.name));
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err; // no network was made yet
  }
  assertEquals(leases, [], "no leases left");
}

Deno.test("races: run -d --name N against rm -f N leaves every container listed and removable, nothing leaked", PROC, async () => {
  await withRoot(async (root, image) => {
    for (let i = 0; i < 16; i++) {
      const runP = berth(root, ["run", "-d", "--name", "racer", image, "sleep", "60"]);
      await sleep(i * 5); // rm lands at different points of create and start
      const rmP = berth(root, ["rm", "-f", "racer"]);
      const [r, rm] = await Promise.all([runP, rmP]);
      if (Deno.env.get("RACE_DEBUG")) console.log(i, r.code, r.stderr.trim(), rm.code, rm.stderr.trim());
      // either outcome is fine; a half-state is not
      // either outcome is fine — it ran and was removed, or it was removed before it could start — a
      // half-state or a raw system error is not
      assert(r.code === 0 || /^berth: No such container: [0-9a-f]{64}\n$/.test(r.stderr), `run: ${r.stderr}`);
      assert(rm.code === 0 || /No such container/.test(rm.stderr), rm.stderr);
      await checkConsistentThenClean(root);
    }
  });
});

Deno.test("races: eight run -d at once on a root without a supervisor: all run, one supervisor", PROC, async () => {
  await withRoot(async (root, image) => {
    assertEquals(supervisorPids(root), []);
    const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => berth(root, ["run", "-d", "--name", `many${i}`, image, "sleep", "60"])));
    for (const r of rs) assertEquals(r.code, 0, r.stderr);
    const running = (await berth(root, ["ps", "-q"])).stdout.split("\n").filter(Boolean);
    assertEquals(running.length, 8);
    // the supervisors that lost the race for the root's lock give up
    for (let i = 0; i < 100 && supervisorPids(root).length > 1; i++) await sleep(200);
    assertEquals(supervisorPids(root).length, 1);
    await checkConsistentThenClean(root);
  });
});

Deno.test("races: a run -d while the supervisor goes idle still starts under a live supervisor", PROC, async () => {
  await withRoot(async (root, image) => {
    // the supervisor leaves 3 s after its last container: land a new start around that moment
    const offsets = [2950, 3000, 3050];
    for (let i = 0; i < offsets.length; i++) {
      const r1 = await berth(root, ["run", "-d", "--rm", image, "true"]);
      assertEquals(r1.code, 0, r1.stderr);
      await sleep(offsets[i]);
      const r2 = await berth(root, ["run", "-d", "--name", `late${i}`, image, "sleep", "60"]);
      assertEquals(r2.code, 0, r2.stderr);
      await sleep(200);
      assertEquals((await berth(root, ["ps", "-q", "--filter", `name=late${i}`])).stdout.trim().length, 12, `late${i} runs`);
      assertEquals((await berth(root, ["exec", `late${i}`, "true"])).code, 0);
      assertEquals((await berth(root, ["rm", "-f", `late${i}`])).code, 0);
    }
    await checkConsistentThenClean(root);
  });
});
