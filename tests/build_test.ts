import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { BERTH } from "./helpers/berth.ts";

Deno.test("one-file build: runs with no Deno around, unpacks its runtime once, drops older ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-build-" });
  try {
    const exe = join(dir, "berth");
    await Deno.copyFile(BERTH, exe);
    await Deno.chmod(exe, 0o755);
    const rt = join(dir, "runtime");
    await Deno.mkdir(join(rt, "0123456789abcdef"), { recursive: true }); // an older build's runtime
    const run = () =>
      new Deno.Command(exe, {
        args: ["--version"],
        clearEnv: true,
        env: { PATH: "/usr/bin:/bin", BERTH_RUNTIME_DIR: rt, HOME: dir },
        stdout: "piped",
        stderr: "piped",
      }).output();
    for (let i = 0; i < 2; i++) {
      const r = await run();
      assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
      assertMatch(new TextDecoder().decode(r.stdout), /^berth version /);
      const runtimes = [...Deno.readDirSync(rt)].map((e) => e.name);
      assertEquals(runtimes.length, 1, `one runtime: ${runtimes}`);
      assertMatch(runtimes[0], /^[0-9a-f]{16}$/);
      assertEquals(runtimes[0] === "0123456789abcdef", false);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
