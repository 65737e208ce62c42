/**
 * mod.ts as a client: `new Berth({ root })` with containers, images, networks, volumes and events; typed
 * errors with Docker's exit codes (also the CLI's: 1 for not found and conflicts, 125 for run/create and
 * bad arguments); `run(image, { detach: true })` outliving the script that called it; logs and events as
 * async iterables.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./helpers/assert.ts";
import { berth, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";
import { Berth, BerthError, ConflictError, InvalidArgumentError, NotFoundError } from "../mod.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;

Deno.test({ name: "client: typed errors with Docker's exit codes, from the client and the CLI", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const client = new Berth({ root });
  const b = (args: string[]) => berth(root, args);
  const web = await client.containers.run(base, { detach: true, name: "cl-err", network: "none", command: ["sleep", "60"] });
  try {
    for (const missing of [() => client.containers.get("cl-nope"), () => client.networks.remove("cl-nope"), () => client.volumes.remove("cl-nope"), () => client.images.remove("cl-nope:1")]) {
      const err = await assertRejects(missing, NotFoundError);
      assert(err instanceof BerthError && err.exitCode === 1, String(err));
    }
    assertEquals([() => client.images.inspect("cl-nope"), () => client.volumes.inspect("cl-nope"), () => client.networks.inspect("cl-nope")].map((f) => {
      try {
        f();
        return "found";
      } catch (err) {
        return err instanceof NotFoundError ? err.message : `other: ${err}`;
      }
    }), ["No such image: cl-nope", "get cl-nope: no such volume", "network cl-nope not found"]);
    const dup = await assertRejects(() => client.containers.create(base, { name: "cl-err" }), ConflictError);
    assertMatch(dup.message, /^Conflict\. The container name "\/cl-err" is already in use/);
    await assertRejects(() => web.remove(), ConflictError, "container is running");
    await assertRejects(() => client.networks.create("bridge"), ConflictError);
    const bad = await assertRejects(() => client.containers.create(base, { dns: ["dns.example"] }), InvalidArgumentError);
    assertEquals(bad.exitCode, 125);

    // the CLI: Docker's codes — 1 from most commands, 125 from run and create (every engine error)
    const codes = async (args: string[]) => [(await b(args)).code, args.join(" ")];
    assertEquals(await codes(["stop", "cl-nope"]), [1, "stop cl-nope"]);
    assertEquals(await codes(["logs", "cl-nope"]), [1, "logs cl-nope"]);
    assertEquals(await codes(["rm", "cl-err"]), [1, "rm cl-err"]);
    assertEquals(await codes(["network", "create", "bridge"]), [1, "network create bridge"]);
    assertEquals(await codes(["create", "--name", "cl-err", base]), [125, `create --name cl-err ${base}`]);
    assertEquals(await codes(["run", "--network", "cl-nope", base]), [125, `run --network cl-nope ${base}`]);
    assertEquals(await codes(["run", "--dns", "x", base]), [125, `run --dns x ${base}`]);
  } finally {
    await web.remove({ force: true });
  }
} });

Deno.test({ name: "client: run in the foreground returns the output; detach: true outlives the script that ran it", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const client = new Berth({ root });
  const out = await client.containers.run(base, { rm: true, network: "none", command: ["sh", "-c", "echo out; echo err >&2; exit 3"] });
  assertEquals([out.exitCode, out.stdout, out.stderr, out.oomKilled], [3, "out\n", "err\n", false]);
  await assertRejects(() => client.containers.get(out.id), NotFoundError); // rm: true

  // a script that runs a detached container and ends at once
  const script = `import { Berth } from "${MOD}";
const c = await new Berth({ root: ${JSON.stringify(root)} }).containers.run(${JSON.stringify(base)}, { detach: true, name: "cl-bg", network: "none", labels: { by: "script" }, command: ["sh", "-c", "echo started; exec sleep 60"] });
console.log(c.id);`;
  const child = await new Deno.Command(Deno.execPath(), { args: ["eval", script], stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  assertEquals(child.code, 0, dec.decode(child.stderr));
  const id = dec.decode(child.stdout).trim();
  assertMatch(id, /^[0-9a-f]{64}$/);
  try {
    const c = await client.containers.get("cl-bg");
    assertEquals(c.id, id);
    const state = (await c.inspect()).State as { Running: boolean; Pid: number };
    assert(state.Running && state.Pid > 0, JSON.stringify(state));
    const listed = await client.containers.list({ filters: ["label=by=script"] });
    assertEquals(listed.map((s) => [s.Id, s.Names, s.State, s.Labels.by]), [[id, ["/cl-bg"], "running", "script"]]);
    assertEquals((await berth(root, ["ps", "-q", "--filter", "name=cl-bg"])).stdout, `${id.slice(0, 12)}\n`);
    const logs = [];
    for await (const e of c.logs()) logs.push([e.stream, e.log]);
    assertEquals(logs, [["stdout", "started\n"]]);
    assertEquals(await c.exec(["sh", "-c", "cat; echo $X"], { stdin: "in\n", env: ["X=y"] }), { exitCode: 0, stdout: "in\ny\n", stderr: "" });
    await c.stop({ timeout: 0 });
    assertEquals(await c.wait(), 137);
  } finally {
    await berth(root, ["rm", "-f", "cl-bg"]);
  }
} });

Deno.test({ name: "client: logs and events as async iterables, followed live", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const client = new Berth({ root });
  const ac = new AbortController();
  const seen: string[] = [];
  const since = Date.now();
  const events = (async () => {
    for await (const e of client.events({ filters: { container: "cl-live", event: ["create", "start", "die", "destroy"] }, signal: ac.signal })) {
      seen.push(`${e.Action} ${e.Actor.Attributes.name}`);
      if (e.Action === "destroy") ac.abort();
    }
  })();
  await new Promise((r) => setTimeout(r, 200)); // the stream is open before anything happens
  const c = await client.containers.run(base, { detach: true, name: "cl-live", network: "none", command: ["sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.2; done; echo bye >&2"] });
  const lines: string[] = [];
  for await (const e of c.logs({ follow: true })) lines.push(`${e.stream}: ${e.log}`);
  assertEquals(lines, ["stdout: line 1\n", "stdout: line 2\n", "stdout: line 3\n", "stderr: bye\n"]);
  assertEquals(await c.wait(), 0);
  const tail = [];
  for await (const e of c.logs({ tail: 1 })) tail.push(e.log);
  assertEquals(tail, ["bye\n"]);
  await c.remove();
  const timeout = setTimeout(() => ac.abort(), 10_000);
  await events;
  clearTimeout(timeout);
  assertEquals(seen, ["create cl-live", "start cl-live", "die cl-live", "destroy cl-live"]);

  // replayed: since and until, a Date or Docker's text
  const replay = [];
  for await (const e of client.events({ since: new Date(since), until: "0s", filters: { container: "cl-live" } })) replay.push(e.Action);
  assertEquals(replay.filter((a) => ["create", "start", "die", "destroy"].includes(a)), ["create", "start", "die", "destroy"]);
} });

Deno.test({ name: "client: images, networks and volumes", ...PROC, fn: async () => {
  const { base } = await runImages();
  const root = await tempRoot();
  const client = new Berth({ root });
  const ctx = await Deno.makeTempDir({ prefix: "berth-test-client-" });
  try {
    await Deno.copyFile("/bin/busybox", `${ctx}/busybox`);
    await Deno.writeTextFile(`${ctx}/Dockerfile`, 'FROM scratch\nCOPY busybox /bin/busybox\nLABEL made=by-client\nCMD ["/bin/busybox", "true"]\n');
    const said: string[] = [];
    const built = await client.images.build({ context: ctx, tags: ["cl-img:1"], say: (l) => said.push(l) });
    assertEquals(said[0], "Step 1/4 : FROM scratch");
    assertEquals(built.tags, ["cl-img:1"]);
    assertEquals(await client.images.tag("cl-img:1", "cl-img:2"), "cl-img:2");
    assertEquals(client.images.list().map((i) => `${i.repository}:${i.tag}`).sort(), ["cl-img:1", "cl-img:2"]);
    assertEquals(client.images.inspect("cl-img:2").Config?.Labels, { made: "by-client" });
    assertEquals(client.images.history("cl-img:1").map((h) => h.createdBy.replace(/^\/bin\/sh -c (#\(nop\) )?/, "").trim().split(" ")[0]), ["CMD", "LABEL", "COPY"]);
    assertEquals(await client.images.remove("cl-img:2"), ["Untagged: cl-img:2"]);

    const net = await client.networks.create("cl-net", { subnet: "10.237.0.0/24", labels: { k: "v" } });
    assertEquals([net.name, net.subnet], ["cl-net", "10.237.0.0/24"]);
    assertEquals((client.networks.inspect("cl-net") as { Labels: unknown }).Labels, { k: "v" });
    assert(client.networks.list().some((n) => n.name === "cl-net"));
    const vol = await client.volumes.create("cl-vol", { labels: { k: "v" } });
    assertEquals([vol.Name, vol.Labels], ["cl-vol", { k: "v" }]);
    assertEquals(client.volumes.list().map((v) => v.Name), ["cl-vol"]);

    const c = await client.containers.create("cl-img:1", { name: "cl-user", network: "cl-net", volumes: ["cl-vol:/data"] });
    await assertRejects(() => client.volumes.remove("cl-vol"), ConflictError);
    await assertRejects(() => client.images.remove("cl-img:1"), ConflictError);
    await c.remove();
    assertEquals(await client.volumes.prune(), ["cl-vol"]);
    assertEquals(await client.networks.prune(), ["cl-net"]);
    assertEquals((await client.images.prune({ all: true })).lines.filter((l) => l.startsWith("Untagged")), ["Untagged: cl-img:1"]);
    assertEquals(client.images.list(), []);
    assert(base);
  } finally {
    await client.reset();
    await Deno.remove(ctx, { recursive: true });
  }
} });
