/**
 * Issue 11: a hostile build context. Its symlinks are taken inside the context (a link to `/` is the
 * context's root), `.dockerignore` and the Dockerfile are read inside it, and COPY/ADD destinations are
 * paths in the image (`/../../x` is `/x`): nothing of the host is read into a layer, nothing is written
 * outside the layer being made.
 */
import { join } from "node:path";
import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth, type BerthResult } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

async function b(args: string[], code = 0): Promise<BerthResult> {
  const { root } = await runImages();
  const r = await berth(root, args);
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r;
}

function withDirs(fn: (ctx: string, outside: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const ctx = await Deno.makeTempDir({ prefix: "berth-test-ctx-" });
    const outside = await Deno.makeTempDir({ prefix: "berth-test-outside-" });
    try {
      await fn(ctx, outside);
    } finally {
      await Deno.remove(ctx, { recursive: true });
      await Deno.remove(outside, { recursive: true });
    }
  };
}

Deno.test("hostile build context: symlinks resolve inside the context; destinations stay in the image", PROC, withDirs(async (ctx, outside) => {
  const { base } = await runImages();
  Deno.writeTextFileSync(join(outside, "secret.txt"), "HOST SECRET\n");
  Deno.writeTextFileSync(join(ctx, "secret.txt"), "context file\n");
  Deno.writeTextFileSync(join(ctx, "keep.txt"), "keep\n");
  Deno.symlinkSync("/", join(ctx, "root-link"));
  Deno.symlinkSync(outside, join(ctx, "abs-link"));
  Deno.symlinkSync(`../../../../../../../..${outside}`, join(ctx, "rel-link"));
  Deno.symlinkSync(`${outside}/secret.txt`, join(ctx, "file-link"));
  Deno.mkdirSync(join(ctx, "dir"));
  Deno.symlinkSync(`${outside}/secret.txt`, join(ctx, "dir/inner-link"));
  // a .dockerignore that is a link out: if it were followed, keep.txt would be excluded
  Deno.writeTextFileSync(join(outside, "ignore"), "keep.txt\n");
  Deno.symlinkSync(`${outside}/ignore`, join(ctx, ".dockerignore"));

  const build = (df: string, code = 0) => {
    Deno.writeTextFileSync(join(ctx, "Dockerfile"), df);
    return b(["build", "-q", "-t", "hostile:ctx", ctx], code);
  };
  // a link to / means the context's root
  await build(`FROM ${base}\nCOPY root-link/secret.txt /a.txt\nCOPY keep.txt /k.txt\nCOPY dir /d/\nCOPY secret.txt /../../../../../../..${outside}/escaped.txt\n`);
  assertEquals((await b(["run", "--rm", "hostile:ctx", "cat", "/a.txt", "/k.txt", `${outside}/escaped.txt`])).stdout, "context file\nkeep\ncontext file\n");
  assertEquals((await b(["run", "--rm", "hostile:ctx", "readlink", "/d/inner-link"])).stdout, `${outside}/secret.txt\n`);
  assertEquals([...Deno.readDirSync(outside)].map((e) => e.name).sort(), ["ignore", "secret.txt"], "nothing written outside");

  // links that lead out of the context lead to nothing
  for (const src of ["abs-link/secret.txt", "rel-link/secret.txt", "file-link", "root-link/../../../etc/passwd"]) {
    const r = await build(`FROM ${base}\nCOPY ${src} /x\n`, 125);
    assertMatch(r.stderr, /file not found in build context|outside the build context/);
  }
  const g = await build(`FROM ${base}\nCOPY abs-link/*.txt /g/\n`, 125);
  assertMatch(g.stderr, /nothing matches|file not found/);
  // ADD of a tar through a link out of the context
  const tar = new Deno.Command("tar", { args: ["-C", outside, "-cf", join(outside, "x.tar"), "secret.txt"] }).outputSync();
  assertEquals(tar.code, 0);
  Deno.symlinkSync(`${outside}/x.tar`, join(ctx, "x.tar"));
  const a = await build(`FROM ${base}\nADD x.tar /t/\n`, 125);
  assertMatch(a.stderr, /file not found in build context/);
  await b(["rmi", "hostile:ctx"]);
}));

Deno.test("hostile build context: a Dockerfile that is a link out of the context is not read", PROC, withDirs(async (ctx, outside) => {
  const { base } = await runImages();
  Deno.writeTextFileSync(join(outside, "Dockerfile"), `FROM ${base}\nRUN true\n`);
  Deno.symlinkSync(join(outside, "Dockerfile"), join(ctx, "Dockerfile"));
  const r = await b(["build", "-q", ctx], 125);
  assertMatch(r.stderr, /cannot read the Dockerfile/);
}));
