/**
 * `berth build` end to end: a multi-stage Dockerfile with every instruction berth knows, built from
 * a busybox image pulled from a local registry; the result runs; the cache reuses every step of an
 * unchanged build and rebuilds from a changed file's COPY on; .dockerignore, --build-arg, --target,
 * clear errors with line numbers, nothing left after a failing RUN; the image pushed and checked by
 * skopeo and umoci, and pulled back into a fresh root.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth, type BerthResult, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { startRegistry } from "./helpers/registry.ts";
import { runImages } from "./helpers/run_images.ts";
import { runTool } from "./helpers/tool.ts";

async function b(args: string[], code = 0): Promise<BerthResult> {
  const { root } = await runImages();
  const r = await berth(root, args);
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r;
}

const run = runTool;

const DOCKERFILE = (base: string) => `# escape=\\
# a comment
ARG BASE=${base}
FROM \${BASE} AS builder
ARG GREETING=hi
ENV OUT=/out \\
    MODE=build
WORKDIR /work
COPY src/*.txt ./
RUN mkdir -p $OUT && \\
    echo "$GREETING from $(cat a.txt) in $MODE" > $OUT/result.txt

FROM \${BASE} AS final
MAINTAINER Berth Tests
LABEL org.example.name="demo app" version=1
COPY --from=builder /out/result.txt /app/
ADD files.tgz /app/unpacked/
COPY --chown=app:wheel src /app/src
RUN ["sh", "-c", "rm /etc/group && mkdir -p /data"]
USER app
WORKDIR /app
EXPOSE 8080/tcp
VOLUME /data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=2 CMD test -f /app/result.txt
SHELL ["/bin/sh", "-c"]
ONBUILD RUN echo child
ENTRYPOINT ["cat"]
CMD ["/app/result.txt"]
`;

async function makeContext(base: string): Promise<string> {
  const ctx = await Deno.makeTempDir({ prefix: "berth-test-ctx-" });
  await Deno.mkdir(join(ctx, "src"));
  await Deno.mkdir(join(ctx, "secret"));
  await Deno.writeTextFile(join(ctx, "src/a.txt"), "A\n");
  await Deno.writeTextFile(join(ctx, "src/b.md"), "B\n");
  await Deno.writeTextFile(join(ctx, "src/skip.log"), "log\n");
  await Deno.writeTextFile(join(ctx, "secret/key"), "never\n");
  await Deno.writeTextFile(join(ctx, ".dockerignore"), "# not sent\nsecret\n**/*.log\n");
  await Deno.mkdir(join(ctx, "tarball"));
  await Deno.writeTextFile(join(ctx, "tarball/inside.txt"), "from the tarball\n");
  await run("tar", ["-czf", join(ctx, "files.tgz"), "-C", join(ctx, "tarball"), "."]);
  await Deno.writeTextFile(join(ctx, "Dockerfile"), DOCKERFILE(base));
  return ctx;
}

/** [instruction, result] of each step ("CACHED", a layer id, "(config)") */
function steps(out: string): Array<[string, string]> {
  const lines = out.split("\n");
  const res: Array<[string, string]> = [];
  lines.forEach((l, i) => {
    if (!l.startsWith("Step ")) return;
    const result = lines.slice(i + 1).find((x) => x.startsWith(" ---> ")) ?? "";
    res.push([l.replace(/^Step \d+\/\d+ : /, ""), result.slice(6)]);
  });
  return res;
}

Deno.test("build: a multi-stage Dockerfile with every instruction; the image runs as written", PROC, async () => {
  const { base } = await runImages();
  const ctx = await makeContext(base);
  try {
    const r = await b(["build", "-t", "built:1", "-t", "built:latest", "--build-arg", "GREETING=hello", ctx]);
    assertMatch(r.stdout, /Step 1\/23 : FROM .* AS builder\n/);
    assertMatch(r.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged built:1\nSuccessfully tagged built:latest\n$/);
    assertEquals((await b(["run", "--rm", "--network", "none", "built:1"])).stdout, "hello from A in build\n");
    const look = await b(["run", "--rm", "--network", "none", "--entrypoint", "", "built:1", "sh", "-c",
      "id -un; pwd; cat /app/unpacked/inside.txt; ls -ln /app/src | tail -n +2 | awk '{print $3, $4, $9}'; ls /etc/group 2>&1; ls -d /data; echo $OUT"]);
    assertEquals(look.stdout, "app\n/app\nfrom the tarball\n1000 10 a.txt\n1000 10 b.md\nls: /etc/group: No such file or directory\n/data\n\n");
    const cfg = JSON.parse((await b(["inspect", "built:1"])).stdout)[0];
    const c = cfg.ImageConfig.config;
    assertEquals(c.User, "app");
    assertEquals(c.WorkingDir, "/app");
    assertEquals(c.Entrypoint, ["cat"]);
    assertEquals(c.Cmd, ["/app/result.txt"]);
    assertEquals(c.ExposedPorts, { "8080/tcp": {} });
    assertEquals(c.Volumes, { "/data": {} });
    assertEquals(c.StopSignal, "SIGINT");
    assertEquals(c.Labels, { "org.example.name": "demo app", version: "1" });
    assertEquals(c.Healthcheck, { Test: ["CMD-SHELL", "test -f /app/result.txt"], Interval: 5e9, Retries: 2 });
    assertEquals(c.OnBuild, ["RUN echo child"]);
    // a container of the image gets its health check
    const ctr = (await b(["create", "--network", "none", "built:1"])).stdout.trim();
    assertEquals(JSON.parse((await b(["inspect", ctr])).stdout)[0].Config.Healthcheck, { Test: ["CMD-SHELL", "test -f /app/result.txt"], Interval: 5e9, Timeout: 0, StartPeriod: 0, Retries: 2 });
    await b(["rm", ctr]);
    assertEquals(c.Shell, ["/bin/sh", "-c"]);
    assert(!(c.Env as string[]).some((e) => e.startsWith("OUT=")), "the builder stage's ENV stays in the builder");
    assertEquals(cfg.ImageConfig.author, "Berth Tests");
    // layers: the base's, COPY --from, ADD, COPY --chown, RUN; history has every instruction
    assertEquals(cfg.ImageConfig.rootfs.diff_ids.length, 5);
    const hist = cfg.ImageConfig.history as Array<{ created_by: string; empty_layer?: boolean }>;
    assert(hist.some((h) => h.created_by === "ENTRYPOINT [\"cat\"]" && h.empty_layer), JSON.stringify(hist));
    // .dockerignore: nothing of secret/ or *.log got in
    const files = (await b(["run", "--rm", "--network", "none", "--entrypoint", "", "built:1", "find", "/app"])).stdout;
    assert(!files.includes("skip.log") && !files.includes("secret"), files);

    // a child of the image runs its ONBUILD trigger first, and does not inherit it
    const child = await Deno.makeTempDir({ prefix: "berth-test-ctx-" });
    try {
      await Deno.writeTextFile(join(child, "Dockerfile"), "FROM built:1\nLABEL child=yes\n");
      const out = (await b(["build", "-t", "built:child", child])).stdout;
      assertMatch(out, /# Executing 1 build trigger\nTrigger : RUN echo child\nchild\n/);
      assertEquals(JSON.parse((await b(["inspect", "built:child"])).stdout)[0].ImageConfig.config.OnBuild, undefined);
    } finally {
      await Deno.remove(child, { recursive: true });
    }

    // --target: the builder stage alone
    await b(["build", "-q", "--target", "builder", "-t", "built:builder", "--build-arg", "GREETING=yo", ctx]);
    assertEquals((await b(["run", "--rm", "--network", "none", "built:builder", "cat", "/out/result.txt"])).stdout, "yo from A in build\n");
  } finally {
    await Deno.remove(ctx, { recursive: true });
  }
});

Deno.test("build: an unchanged rebuild is all CACHED and quick; a changed file rebuilds from its COPY on", PROC, async () => {
  const { base } = await runImages();
  const ctx = await makeContext(base);
  try {
    await b(["build", "-t", "cached:1", "--build-arg", "GREETING=hello", ctx]);
    const t = performance.now();
    const again = await b(["build", "-t", "cached:1", "--build-arg", "GREETING=hello", ctx]);
    const took = performance.now() - t;
    const again2 = steps(again.stdout).filter(([ins]) => !ins.startsWith("FROM "));
    assertEquals(again2.map(([, r]) => r), Array(21).fill("CACHED"), again.stdout);
    assert(took < 3000, `cached rebuild took ${took.toFixed(0)} ms`);
    const id1 = JSON.parse((await b(["inspect", "cached:1"])).stdout)[0].Id;

    // a changed file: cached up to the COPY that takes it, rebuilt from there on
    await Deno.writeTextFile(join(ctx, "src/b.md"), "B changed\n");
    const changed = steps((await b(["build", "-t", "cached:1", "--build-arg", "GREETING=hello", ctx])).stdout)
      .filter(([ins]) => !ins.startsWith("FROM "));
    const at = changed.findIndex(([ins]) => ins === "COPY --chown=app:wheel src /app/src");
    assert(at > 0, JSON.stringify(changed));
    assertEquals(changed.slice(0, at).map(([, r]) => r), Array(at).fill("CACHED"));
    assertMatch(changed[at][1], /^[0-9a-f]{12}$/, "the changed COPY ran");
    assertMatch(changed[at + 1][1], /^[0-9a-f]{12}$/, "and the RUN after it");
    assert(changed.slice(at).every(([, r]) => r !== "CACHED"), "nothing after it came from the cache");
    assert(JSON.parse((await b(["inspect", "cached:1"])).stdout)[0].Id !== id1);
    const noCache = steps((await b(["build", "--no-cache", "-t", "cached:1", "--build-arg", "GREETING=hello", ctx])).stdout);
    assertEquals(noCache.filter(([, r]) => r === "CACHED").length, 0);
    // builder prune forgets every step
    assertMatch((await b(["builder", "prune", "-f"])).stdout, /^Deleted build cache entries: [1-9]\d*\n$/);
    const pruned = steps((await b(["build", "-t", "cached:1", "--build-arg", "GREETING=hello", ctx])).stdout);
    assertEquals(pruned.filter(([, r]) => r === "CACHED").length, 0);
  } finally {
    await Deno.remove(ctx, { recursive: true });
  }
});

Deno.test("build: clear errors with line numbers; a failing RUN shows its output and leaves nothing", PROC, async () => {
  const { base } = await runImages();
  const ctx = await Deno.makeTempDir({ prefix: "berth-test-ctx-" });
  try {
    await Deno.writeTextFile(join(ctx, "Dockerfile"), `FROM ${base}\nRUN echo visible-output; exit 3\n`);
    const failed = await b(["build", ctx], 1);
    assertMatch(failed.stdout, /visible-output/);
    assertMatch(failed.stderr, /^berth: Dockerfile:2: RUN: The command '\/bin\/sh -c echo visible-output; exit 3' returned a non-zero code: 3\n$/);
    assertEquals((await b(["ps", "-aq"])).stdout, "", "no build container is left");
    assertEquals(Deno.readTextFileSync("/proc/self/mountinfo").split("\n").filter((l) => l.includes("berth-test-root")), []);
    await Deno.writeTextFile(join(ctx, "Dockerfile"), `FROM ${base}\n\nFETCH something\n`);
    assertMatch((await b(["build", ctx], 125)).stderr, /^berth: Dockerfile:3: unknown instruction: FETCH\n$/);
    await Deno.writeTextFile(join(ctx, "Dockerfile"), `FROM ${base}\nCOPY missing.txt /x\n`);
    assertMatch((await b(["build", ctx], 125)).stderr, /Dockerfile:2: .*file not found in build context or excluded by \.dockerignore: missing\.txt/);
    await Deno.writeTextFile(join(ctx, "Dockerfile"), `FROM ${base}\nADD http://example.invalid/x.tgz /x\n`);
    assertMatch((await b(["build", ctx], 125)).stderr, /ADD from a URL .* is not supported/);
    await Deno.writeTextFile(join(ctx, "Dockerfile"), `RUN true\n`);
    assertMatch((await b(["build", ctx], 125)).stderr, /Dockerfile:1: RUN before the first FROM/);
    await Deno.writeTextFile(join(ctx, "Dockerfile"), `FROM ${base} AS one\n`);
    assertMatch((await b(["build", "--target", "nope", ctx], 125)).stderr, /target stage nope could not be found/);
  } finally {
    await Deno.remove(ctx, { recursive: true });
  }
});

Deno.test("build → push: skopeo and umoci read the built image; a fresh root pulls and runs it", PROC, async () => {
  const reg = await startRegistry();
  const fresh = await tempRoot();
  const work = await Deno.makeTempDir({ prefix: "berth-test-push-" });
  try {
    const name = `${reg.host}/built/app:1`;
    await b(["tag", "built:1", name]);
    const digest = (await b(["push", "-q", name])).stdout.trim();
    assertEquals(JSON.parse(await run("skopeo", ["inspect", "--tls-verify=false", `docker://${name}`])).Digest, digest);
    await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${name}`, `oci:${join(work, "layout")}:app`]);
    await run("umoci", ["unpack", "--image", `${join(work, "layout")}:app`, join(work, "bundle")]);
    assertEquals(await Deno.readTextFile(join(work, "bundle/rootfs/app/result.txt")), "hello from A in build\n");
    const p = await berth(fresh, ["pull", "-q", name]);
    assertEquals([p.code, p.stdout.trim()], [0, digest], p.stderr);
    const r = await berth(fresh, ["run", "--rm", "--network", "none", name]);
    assertEquals(r.stdout, "hello from A in build\n", r.stderr);
  } finally {
    await reg.stop();
    await Deno.remove(fresh, { recursive: true });
    await Deno.remove(work, { recursive: true });
    await b(["rmi", "-f", "built:1", "built:latest", "built:builder", "built:child", "cached:1"]).catch(() => {});
  }
});
