/**
 * Issue 13 (in part): `berth system service` serves the Docker Engine API, tested with the real docker
 * CLI on PATH (the machine's Docker 28 client, which negotiates down to berth's API 1.41): version/info/
 * images, `docker run` with output, stderr and exit codes, detached containers shared with the berth CLI
 * both ways, logs, inspect -f, stop/kill/rm, errors; malformed HTTP; the loopback-only TCP rule; idle exit.
 */
import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH, berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

const DOCKER = ["/usr/local/bin/docker", "/usr/bin/docker"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

async function withService(root: string, fn: (host: string) => Promise<void>): Promise<void> {
  const sock = `${root}/api-test.sock`;
  const svc = new Deno.Command(BERTH, { args: ["--root", root, "system", "service", "--time", "0", `unix://${sock}`], stdout: "null", stderr: "piped" }).spawn();
  try {
    for (let i = 0; i < 200; i++) {
      try {
        (await Deno.connect({ transport: "unix", path: sock })).close();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    await fn(`unix://${sock}`);
  } finally {
    svc.kill("SIGTERM");
    await svc.stderr.cancel();
    await svc.status;
  }
}

async function docker(host: string, args: string[], code = 0): Promise<{ stdout: string; stderr: string }> {
  const r = await new Deno.Command(DOCKER!, { args, env: { DOCKER_HOST: host, DOCKER_CLI_HINTS: "false" }, stdout: "piped", stderr: "piped" }).output();
  const out = { stdout: new TextDecoder().decode(r.stdout), stderr: new TextDecoder().decode(r.stderr) };
  assertEquals(r.code, code, `docker ${args.join(" ")}: ${out.stdout}${out.stderr}`);
  return out;
}

Deno.test({ name: "api: the docker CLI runs containers through berth's socket, on the berth CLI's state", ...PROC, ignore: !DOCKER, fn: async () => {
  const { root, base } = await runImages();
  await withService(root, async (host) => {
    assertMatch((await docker(host, ["version"])).stdout, /Server: berth[\s\S]*API version:\s+1\.41/);
    assertMatch((await docker(host, ["info"])).stdout, /Server Version: [\s\S]*Swarm: inactive/);
    assertMatch((await docker(host, ["images"])).stdout, /rt\s+base/);

    const run = await docker(host, ["run", "--rm", "--network", "none", base, "sh", "-c", "echo out; echo err >&2; exit 3"], 3);
    assertEquals(run.stdout, "out\n");
    assertEquals(run.stderr, "err\n");
    assertEquals((await docker(host, ["run", "--rm", "--network", "none", base, "echo", "hi"])).stdout, "hi\n");
    assertEquals((await berth(root, ["ps", "-aq"])).stdout, "", "--rm removed the container");

    // detached, through the API: the berth CLI sees it; and a berth container shows in docker ps
    const id = (await docker(host, ["run", "-d", "--name", "api-web", "--label", "from=api", base, "sh", "-c", "echo up; sleep 60"])).stdout.trim();
    assertMatch(id, /^[0-9a-f]{64}$/);
    assertMatch((await berth(root, ["ps"])).stdout, /api-web/);
    await berth(root, ["run", "-d", "--name", "cli-made", "--network", "none", base, "sleep", "60"]);
    const ps = (await docker(host, ["ps", "--format", "{{.Names}}"])).stdout;
    assertMatch(ps, /api-web/);
    assertMatch(ps, /cli-made/);
    assertEquals((await docker(host, ["ps", "--filter", "label=from=api", "--format", "{{.Names}}"])).stdout, "api-web\n");
    await new Promise((r) => setTimeout(r, 300));
    assertEquals((await docker(host, ["logs", "api-web"])).stdout, "up\n");
    assertEquals((await docker(host, ["inspect", "-f", "{{.State.Status}} {{.Name}}", "api-web"])).stdout, "running /api-web\n");
    await docker(host, ["stop", "-t", "1", "api-web"]);
    assertMatch((await berth(root, ["ps", "-a"])).stdout, /Exited \(\d+\)[^\n]*api-web/);
    await docker(host, ["kill", "cli-made"]);
    await docker(host, ["rm", "api-web", "cli-made"]);
    assertEquals((await berth(root, ["ps", "-aq"])).stdout, "");

    assertMatch((await docker(host, ["inspect", "nope"], 1)).stderr, /No such (object|container): nope/);
    assertMatch((await docker(host, ["rm", "nope"], 1)).stderr, /No such container: nope/);
  });
} });

Deno.test({ name: "api: malformed HTTP is a 400 and the service keeps serving; unknown routes 404; TCP only on loopback; idle exit", ...PROC, fn: async () => {
  const { root } = await runImages();
  await withService(root, async (host) => {
    const path = host.slice("unix://".length);
    const raw = async (text: string) => {
      const c = await Deno.connect({ transport: "unix", path });
      await c.write(new TextEncoder().encode(text));
      // the whole answer: every request here ends the connection (Connection: close, or an error)
      let all = "";
      const buf = new Uint8Array(4096);
      for (let n; (n = await c.read(buf)) !== null;) all += new TextDecoder().decode(buf.subarray(0, n));
      c.close();
      return all;
    };
    assertMatch(await raw("garbage\r\n\r\n"), /^HTTP\/1\.1 400 [\s\S]*malformed request line/);
    assertMatch(await raw("GET /v1.41/_ping HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n"), /^HTTP\/1\.1 400/);
    assertMatch(await raw("GET /v1.41/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), /^HTTP\/1\.1 404 [\s\S]*page not found/);
    // keep-alive: two requests on one connection, the second with a chunked body
    const two = await raw("GET /_ping HTTP/1.1\r\nHost: x\r\n\r\nPOST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n7\r\n{\"Imag\r\n0\r\n\r\n");
    assertMatch(two, /^HTTP\/1\.1 200 [\s\S]*OK[\s\S]*HTTP\/1\.1 400 [\s\S]*invalid JSON/);
    assertMatch(await raw("GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), /api-version: 1\.41/i);
  });
  const tcp = await berth(root, ["system", "service", "tcp://0.0.0.0:23750"]);
  assertEquals(tcp.code, 125);
  assertMatch(tcp.stderr, /loopback only/);
  // --time 1: gone a second after its last connection
  const t0 = performance.now();
  const idle = await new Deno.Command(BERTH, { args: ["--root", root, "system", "service", "--time", "1", `unix://${root}/idle.sock`], stdout: "null", stderr: "null" }).output();
  assertEquals(idle.code, 0);
  const took = performance.now() - t0;
  assertEquals(took > 900 && took < 5000, true, `idle exit after ${took} ms`);
} });
