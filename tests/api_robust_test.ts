/**
 * Issue 13 (in part): the API service under load and against clients that misbehave. 300 requests at
 * once; clients that hang up in the middle of a log follow, an attach, an events stream, a build (its
 * `berth build` child is killed, its context removed, no container left); a 100 MB garbage build context.
 * Afterwards the service still answers, holds no more fds than before, and left nothing in ROOT/tmp.
 */
import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";
import { startTestService } from "./helpers/service.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

/** One request on its own connection; the whole answer (the request says Connection: close). */
async function request(path: string, head: string, body?: Uint8Array): Promise<string> {
  const c = await Deno.connect({ transport: "unix", path });
  try {
    await c.write(enc.encode(head));
    if (body) for (let o = 0; o < body.length;) o += await c.write(body.subarray(o, o + (1 << 20)));
    let all = "";
    const buf = new Uint8Array(65536);
    for (let n; (n = await c.read(buf)) !== null;) all += dec.decode(buf.subarray(0, n));
    return all;
  } finally {
    c.close();
  }
}

/** Opens a streaming request, reads until `until` shows up, then hangs up. */
async function hangUpAfter(path: string, head: string, until: RegExp): Promise<string> {
  const c = await Deno.connect({ transport: "unix", path });
  let all = "";
  try {
    await c.write(enc.encode(head));
    const buf = new Uint8Array(65536);
    const deadline = Date.now() + 20_000;
    while (!until.test(all) && Date.now() < deadline) {
      const n = await c.read(buf);
      if (n === null) break;
      all += dec.decode(buf.subarray(0, n));
    }
  } finally {
    c.close();
  }
  return all;
}

const fdCount = (pid: number) => [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({ name: "api robustness: 300 concurrent requests, clients hanging up mid-stream and mid-build, a garbage context", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const svc = await startTestService(root, "robust.sock");
  try {
    const get = (p: string) => `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
    await request(svc.path, get("/_ping"));
    // the service is the supervisor: its first container makes its one-time fds (the poller's epoll and
    // eventfd); counted from after one, what grows is a leak
    const warm = (await berth(root, ["run", "-d", "--network", "none", base, "true"])).stdout.trim();
    await berth(root, ["wait", warm]);
    await berth(root, ["rm", warm]);
    const fdsBefore = fdCount(svc.pid);

    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) =>
      request(svc.path, get(["/_ping", "/v1.41/version", "/v1.41/containers/json?all=1", "/v1.41/images/json", "/v1.41/info"][i % 5]))
    ));
    assertEquals(answers.filter((a) => a.startsWith("HTTP/1.1 200")).length, 300);

    const id = (await berth(root, ["run", "-d", "--network", "none", base, "sh", "-c", "while :; do echo tick; sleep 0.05; done"])).stdout.trim();
    try {
      for (let i = 0; i < 5; i++) {
        assertMatch(await hangUpAfter(svc.path, get(`/v1.41/containers/${id}/logs?follow=1&stdout=1`), /tick/), /tick/);
        const attach = `POST /v1.41/containers/${id}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`;
        assertMatch(await hangUpAfter(svc.path, attach, /tick/), /101 UPGRADED/);
        await hangUpAfter(svc.path, get(`/v1.41/containers/${id}/stats`), /cpu_stats/);
      }
      const events = hangUpAfter(svc.path, get(`/v1.41/events`), /"Action":"die"/);
      await sleep(300);
      await berth(root, ["run", "--rm", "--network", "none", base, "true"]);
      assertMatch(await events, /"Action":"die"/);
    } finally {
      await berth(root, ["rm", "-f", id]);
    }

    // a build whose client leaves while a RUN step runs: the child is killed, nothing stays
    const dockerfile = enc.encode(`FROM ${base}\nRUN echo building; sleep 30\n`);
    const header = new Uint8Array(512);
    header.set(enc.encode("Dockerfile"));
    header.set(enc.encode("0000644\0"), 100);
    header.set(enc.encode("0000000\0"), 108);
    header.set(enc.encode("0000000\0"), 116);
    header.set(enc.encode(dockerfile.length.toString(8).padStart(11, "0") + "\0"), 124);
    header.set(enc.encode("00000000000\0"), 136);
    header[156] = 0x30;
    header.set(enc.encode("ustar\x0000"), 257);
    header.set(enc.encode("        "), 148);
    const sum = header.reduce((a, b) => a + b, 0);
    header.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
    const ctx = new Uint8Array(512 + Math.ceil(dockerfile.length / 512) * 512 + 1024);
    ctx.set(header);
    ctx.set(dockerfile, 512);
    const c = await Deno.connect({ transport: "unix", path: svc.path });
    await c.write(enc.encode(`POST /v1.41/build?t=robust:1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\nContent-Length: ${ctx.length}\r\n\r\n`));
    await c.write(ctx);
    let seen = "";
    const buf = new Uint8Array(65536);
    while (!/building/.test(seen)) {
      const n = await c.read(buf);
      if (n === null) break;
      seen += dec.decode(buf.subarray(0, n));
    }
    assertMatch(seen, /building/);
    c.close();
    for (let i = 0; i < 100; i++) {
      const ps = dec.decode((await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output()).stdout);
      if (!ps.includes(`--root ${root} build`)) break;
      await sleep(100);
    }
    assertEquals(dec.decode((await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output()).stdout).includes(`--root ${root} build`), false, "the build child is gone");
    for (let i = 0; i < 100 && (await berth(root, ["ps", "-aq"])).stdout; i++) await sleep(100);
    assertEquals((await berth(root, ["ps", "-aq"])).stdout, "", "no RUN container left");

    // 100 MB that is no tar: a clear 400, and the service goes on
    const garbage = new Uint8Array(100 << 20).fill(0x41);
    const bad = await request(svc.path, `POST /v1.41/build HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${garbage.length}\r\n\r\n`, garbage).catch((e) => String(e));
    assertMatch(bad, /^HTTP\/1\.1 400 [\s\S]*not a valid tar/);

    await sleep(500);
    assertMatch(await request(svc.path, get("/_ping")), /^HTTP\/1\.1 200/);
    assertEquals([...Deno.readDirSync(`${root}/tmp`)].filter((e) => e.name.startsWith("api-build-")), []);
    assertEquals(fdCount(svc.pid) <= fdsBefore + 2, true, `fds: ${fdsBefore} before, ${fdCount(svc.pid)} after`);
  } finally {
    await svc.stop();
  }
} });
