/**
 * Rootless berth (issue 16, in progress): an ordinary user made by the test, with and without subordinate id
 * ranges, runs the same dist/berth. Its storage is under ~/.local/share/berth, its user namespace (the user
 * root in it, the subordinate ids after) is held by one process whose mount namespace every command shares,
 * images load with their owners mapped into the user's range, and a user without a range is told what to add.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH, berth, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";

const USER = "berthrl";
const NO_RANGE = "berthrl2";
const dec = new TextDecoder();

async function sh(cmd: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await new Deno.Command(cmd[0], { args: cmd.slice(1), stdout: "piped", stderr: "piped" }).output();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** `berth ARGS` as `user`, with a login environment (HOME, no XDG_RUNTIME_DIR: the /tmp fallback). */
async function as(user: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const quoted = [BERTH, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return await sh(["su", "-", user, "-s", "/bin/sh", "-c", `cd /tmp && ${quoted}`]);
}

/** The user's lines in /etc/subuid and /etc/subgid replaced by these (none: no range at all). */
function setRanges(name: string, uids?: string, gids?: string): void {
  for (const [file, range] of [["/etc/subuid", uids], ["/etc/subgid", gids]] as const) {
    const kept = Deno.readTextFileSync(file).split("\n").filter((l) => l && !l.startsWith(`${name}:`));
    Deno.writeTextFileSync(file, [...kept, ...(range ? [`${name}:${range}`] : [])].join("\n") + "\n");
  }
}

async function removeUser(name: string): Promise<void> {
  const uid = (await sh(["id", "-u", name])).stdout.trim();
  if (!uid) return;
  await sh(["pkill", "-KILL", "-u", name]);
  await new Promise((r) => setTimeout(r, 200));
  await sh(["userdel", "-r", "-f", name]);
  setRanges(name);
  await Deno.remove(`/tmp/berth-run-${uid}`, { recursive: true }).catch(() => {});
}

Deno.test({ name: "rootless: storage, the user namespace (maps, one mount namespace), images loaded as the user, a clear error without subuids", ...PROC, fn: async () => {
  await removeUser(USER);
  await removeUser(NO_RANGE);
  const root = await tempRoot();
  const ctx = await Deno.makeTempDir({ prefix: "berth-test-rootless-" });
  try {
    assertEquals((await sh(["useradd", "-m", "-s", "/bin/sh", USER])).code, 0);
    assertEquals((await sh(["useradd", "-m", "-s", "/bin/sh", NO_RANGE])).code, 0);
    setRanges(USER, "300000:65536", "310000:65536");
    setRanges(NO_RANGE);
    const uid = Number((await sh(["id", "-u", USER])).stdout);
    const gid = Number((await sh(["id", "-g", USER])).stdout);

    // the user namespace: the user is root, the subordinate ranges follow
    const maps = await as(USER, ["unshare", "sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/gid_map"]);
    assertEquals(maps.code, 0, maps.stderr);
    assertEquals(maps.stdout.split("\n").map((l) => l.trim().split(/\s+/).join(" ")).filter(Boolean), ["0", `0 ${uid} 1`, "1 300000 65536", `0 ${gid} 1`, "1 310000 65536"]);
    assertEquals((await as(USER, ["unshare", "sh", "-c", "exit 4"])).code, 4);
    assertEquals((await as(USER, ["unshare", "no-such-command"])).code, 127);
    // its state: private, in the /tmp fallback (no XDG_RUNTIME_DIR here); storage under ~/.local/share
    const rt = Deno.statSync(`/tmp/berth-run-${uid}`);
    assertEquals([rt.uid, rt.mode! & 0o777], [uid, 0o700]);
    assertEquals((await as(USER, ["info", "-f", "{{.DockerRootDir}}"])).stdout, `/home/${USER}/.local/share/berth\n`);

    // one mount namespace for every command of the user, none of it on the host
    assertEquals((await as(USER, ["unshare", "sh", "-c", "mkdir -p /tmp/brl && mount -t tmpfs none /tmp/brl && echo kept > /tmp/brl/f"])).code, 0);
    assertEquals((await as(USER, ["unshare", "cat", "/tmp/brl/f"])).stdout, "kept\n");
    assert(!Deno.readTextFileSync("/proc/self/mountinfo").includes(" /tmp/brl "), "the user's mount is on the host");
    assertEquals((await as(USER, ["unshare", "umount", "/tmp/brl"])).code, 0);

    // an image with a file of uid 1000 and a setuid file, loaded as the user: owners mapped into the range
    Deno.mkdirSync(`${ctx}/bin`);
    Deno.copyFileSync("/bin/busybox", `${ctx}/bin/busybox`);
    Deno.writeTextFileSync(`${ctx}/owned`, "app's\n");
    Deno.writeTextFileSync(`${ctx}/Dockerfile`, "FROM scratch\nCOPY bin /bin\nCOPY --chown=1000:1000 owned /home/owned\n");
    assertEquals((await berth(root, ["build", "-q", "-t", "rl:1", ctx])).code, 0);
    assertEquals((await berth(root, ["save", "-o", `${ctx}/rl.tar`, "rl:1"])).code, 0);
    Deno.chmodSync(ctx, 0o755);
    Deno.chmodSync(`${ctx}/rl.tar`, 0o644);
    const load = await as(USER, ["load", "-i", `${ctx}/rl.tar`]);
    assertEquals(load.code, 0, load.stderr);
    assertMatch(load.stdout, /Loaded image: rl:1/);
    assertMatch((await as(USER, ["images", "--format", "{{.Repository}}:{{.Tag}}"])).stdout, /^rl:1$/m);
    const found = (await sh(["find", `/home/${USER}/.local/share/berth`, "-name", "owned", "-path", "*/home/*"])).stdout.trim().split("\n")[0];
    assert(found, "the layer's file is not in the user's storage");
    const st = Deno.statSync(found);
    assertEquals([st.uid, st.gid], [300000 + 999, 310000 + 999], "uid 1000 of the image is the range's 1000th id");
    assertEquals((await as(USER, ["unshare", "stat", "-c", "%u:%g", found])).stdout, "1000:1000\n");

    // a user without a range: told what to add, nothing made
    const none = await as(NO_RANGE, ["unshare", "true"]);
    assertEquals(none.code, 125);
    assertMatch(none.stderr, /^berth: rootless: no subordinate ids for berthrl2 in \/etc\/subuid: .*usermod --add-subuids 100000-165535 --add-subgids 100000-165535 berthrl2\n$/);
  } finally {
    await removeUser(USER);
    await removeUser(NO_RANGE);
    await Deno.remove(root, { recursive: true }).catch(() => {});
    await Deno.remove(ctx, { recursive: true }).catch(() => {});
  }
} });
