import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";

Deno.test("ffi: unshare on the JS thread, a spawned child lands in the new namespaces, setns comes back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-ns-" });
  try {
    const probe = new URL("./helpers/ns_probe.ts", import.meta.url).pathname;
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-config", probe, dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const seen = JSON.parse(new TextDecoder().decode(r.stdout));
    assert(seen.before !== seen.during, "unshare gave the thread a new UTS namespace");
    assertEquals(seen.after, seen.before, "setns brought it back");
    assertEquals(seen.inside, ["berth-probe", "1"], "the child saw the new hostname and the tmpfs mount");
    assert(seen.hostAfter !== "berth-probe", "the host's name is untouched");
    assertEquals(seen.mountedAfter, false, "the mount stayed in the namespace");
    assertMatch(seen.newUser, /^unshare: Invalid argument$/);
    // and nothing is left on the host
    assert(!Deno.readTextFileSync("/proc/self/mountinfo").includes(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
