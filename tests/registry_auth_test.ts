import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { berth } from "./helpers/berth.ts";
import { busyboxLayer, PROC, withRegistry } from "./helpers/fixtures.ts";
import { buildImage, pushImage } from "./helpers/images.ts";
import { startTokenServer } from "./helpers/token_server.ts";
import { startProxy } from "./helpers/proxy.ts";

const USER = "tester";
const PASS = "s3cret-pass";

Deno.test("auth: Basic — login checks and stores credentials (0600), pull uses them, logout forgets", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer()] });
    await pushImage(reg.url, "private/bb", "latest", img, { user: USER, password: PASS });

    const anon = await berth(root, ["pull", `${reg.host}/private/bb`]);
    assertEquals(anon.code, 125);
    assertMatch(anon.stderr, /^berth: pull .*: .*\(401\)\n$/);

    const wrong = await berth(root, ["login", "-u", USER, "--password-stdin", reg.host], { stdin: "nope\n" });
    assertEquals(wrong.code, 125);
    assertMatch(wrong.stderr, /^berth: login 127\.0\.0\.1:\d+: .*\(401\)\n$/);

    const ok = await berth(root, ["login", "-u", USER, "--password-stdin", reg.host], { stdin: `${PASS}\n` });
    assertEquals(ok.code, 0, ok.stderr);
    assertMatch(ok.stdout, /Login Succeeded/);
    assertEquals(Deno.statSync(join(root, "auth.json")).mode! & 0o777, 0o600);

    const p = await berth(root, ["pull", `${reg.host}/private/bb`]);
    assertEquals(p.code, 0, p.stderr);

    const out = await berth(root, ["logout", reg.host]);
    assertMatch(out.stdout, /Removing login credentials/);
    assertEquals((await berth(root, ["pull", `${reg.host}/private/bb`])).code, 125);
  }, { htpasswd: { user: USER, password: PASS } });
});

Deno.test("auth: credentials from ~/.docker/config.json are used", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer()] });
    await pushImage(reg.url, "dockercfg", "latest", img, { user: USER, password: PASS });
    const cfg = await Deno.makeTempDir({ prefix: "berth-test-dockercfg-" });
    try {
      Deno.writeTextFileSync(join(cfg, "config.json"), JSON.stringify({ auths: { [reg.host]: { auth: btoa(`${USER}:${PASS}`) } } }));
      const p = await berth(root, ["pull", `${reg.host}/dockercfg`], { env: { DOCKER_CONFIG: cfg } });
      assertEquals(p.code, 0, p.stderr);
    } finally {
      await Deno.remove(cfg, { recursive: true });
    }
  }, { htpasswd: { user: USER, password: PASS } });
});

Deno.test("auth: Bearer token flow from WWW-Authenticate (realm, service, scope), for pull and push", PROC, async () => {
  const tokens = await startTokenServer(USER, PASS);
  try {
    await withRegistry(async (reg, root) => {
      const img = buildImage({ layers: [await busyboxLayer()] });
      await pushImage(reg.url, "tok/bb", "v1", img, { user: USER, password: PASS });
      const before = tokens.issued;

      const anon = await berth(root, ["pull", `${reg.host}/tok/bb:v1`]);
      assertEquals(anon.code, 125);
      assertMatch(anon.stderr, /token service refused: bad credentials \(401\)/);

      const login = await berth(root, ["login", "-u", USER, "--password-stdin", reg.host], { stdin: PASS });
      assertEquals(login.code, 0, login.stderr);
      const p = await berth(root, ["pull", `${reg.host}/tok/bb:v1`]);
      assertEquals(p.code, 0, p.stderr);
      assert(tokens.issued > before, "tokens were issued");
      const inspect = JSON.parse((await berth(root, ["inspect", `${reg.host}/tok/bb:v1`])).stdout)[0];
      assertEquals(inspect.Id, img.configDigest);
      // push takes a token for both repositories (push here, pull there) and mounts the blobs
      assertEquals((await berth(root, ["tag", `${reg.host}/tok/bb:v1`, `${reg.host}/tok/pushed:v2`])).code, 0);
      const pushed = await berth(root, ["push", `${reg.host}/tok/pushed:v2`]);
      assertEquals(pushed.code, 0, pushed.stderr);
      assertMatch(pushed.stdout, /Mounted from tok\/bb/);
      assertMatch(pushed.stdout, /v2: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
      const back = await berth(root, ["pull", "-q", `${reg.host}/tok/pushed:v2`]);
      assertEquals([back.code, back.stdout.trim()], [0, inspect.RepoDigests[0].split("@")[1]], back.stderr);
    }, { token: tokens });
  } finally {
    await tokens.stop();
  }
});

Deno.test("registry: redirects are followed without sending Authorization to another host", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer()] });
    await pushImage(reg.url, "redir", "latest", img);
    const proxy = startProxy(reg.url, { redirectBlobsWithAuth: { user: USER, password: PASS } });
    try {
      const login = await berth(root, ["login", "-u", USER, "--password-stdin", proxy.host], { stdin: PASS });
      assertEquals(login.code, 0, login.stderr);
      const p = await berth(root, ["pull", `${proxy.host}/redir`]);
      assertEquals(p.code, 0, p.stderr);
      assertEquals(proxy.leakedAuth, [], "no credentials went to the redirect target");
      assertEquals(JSON.parse((await berth(root, ["inspect", `${proxy.host}/redir`])).stdout)[0].Id, img.configDigest);
    } finally {
      await proxy.stop();
    }
  });
});

Deno.test("registry: 5xx answers are retried with backoff", PROC, async () => {
  await withRegistry(async (reg, root) => {
    const img = buildImage({ layers: [await busyboxLayer()] });
    await pushImage(reg.url, "flaky", "latest", img);
    const proxy = startProxy(reg.url, { failFirst: 503 });
    try {
      const p = await berth(root, ["pull", `${proxy.host}/flaky`]);
      assertEquals(p.code, 0, p.stderr);
      assert(proxy.failures >= 3, "ping, manifest, config and layer each failed once");
    } finally {
      await proxy.stop();
    }
  });
});
