/**
 * The one file's sh header starts `berth run` on a bundle of its own (run.js: about half of berth's code, so half
 * of V8's compile at every start), with or without global options before `run`; that bundle pulls a missing image
 * with its layer workers, and hands any other command line to the whole berth (berth.js).
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH, berth, tempRoot } from "./helpers/berth.ts";
import { busyboxRootfs, buildImage, pushImage, tarDir } from "./helpers/images.ts";
import { startRegistry } from "./helpers/registry.ts";
import { PROC } from "./helpers/fixtures.ts";

/** The command line of a process of this root running `needle`, if there is one. */
function processOf(root: string, needle: string): string | undefined {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const args = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (args.includes(root) && args.some((a) => a.endsWith(needle))) return args.join(" ");
    } catch { /* gone */ }
  }
  return undefined;
}

Deno.test({ name: "entry bundles: `run` starts on run.js (a pull with its workers too), other commands on berth.js, run.js hands them over", ...PROC, fn: async () => {
  const root = await tempRoot();
  const reg = await startRegistry();
  const dir = await Deno.makeTempDir({ prefix: "berth-test-entry-" });
  try {
    await busyboxRootfs(dir);
    await pushImage(reg.url, "entry", "1", buildImage({ layers: [await tarDir(dir, true)], cmd: ["/bin/sh"] }));
    const image = `${reg.host}/entry:1`;
    // a missing image: run.js pulls it (its layer workers are started from run.js itself)
    const first = await berth(root, ["--debug", "run", "--rm", "--network", "none", image, "echo", "pulled"]);
    assertEquals([first.code, first.stdout], [0, "pulled\n"], first.stderr);
    assertMatch(first.stderr, /Unable to find image/);

    const child = new Deno.Command(BERTH, { args: ["--root", root, "run", "--rm", "--network", "none", image, "sleep", "2"], stdout: "null", stderr: "piped" }).spawn();
    let cmdline: string | undefined;
    for (let i = 0; i < 50 && !cmdline; i++) {
      await new Promise((r) => setTimeout(r, 40));
      cmdline = processOf(root, "/run.js");
    }
    const done = await child.output();
    assertEquals(done.code, 0, new TextDecoder().decode(done.stderr));
    assert(cmdline, "no berth process of this root ran run.js");
    assert(!processOf(root, "/berth.js"), "berth.js ran beside it");

    // run.js given anything else hands it to berth.js, beside it in the runtime dir
    const args = cmdline.split(" ");
    const deno = args[0], runJs = args.find((a) => a.endsWith("/run.js"))!;
    const other = await new Deno.Command(deno, { args: ["run", "-A", "--no-config", "--no-lock", "-q", runJs, "--root", root, "images", "--format", "{{.Repository}}:{{.Tag}}"], stdout: "piped", stderr: "piped" }).output();
    assertEquals(new TextDecoder().decode(other.stdout), `${image}\n`, new TextDecoder().decode(other.stderr));
    const bad = await new Deno.Command(deno, { args: ["run", "-A", "--no-config", "--no-lock", "-q", runJs, "--root", root, "nope"], stdout: "null", stderr: "piped" }).output();
    assertEquals(bad.code, 125);
    assertMatch(new TextDecoder().decode(bad.stderr), /'nope' is not a berth command/);
  } finally {
    await reg.stop();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
} });
