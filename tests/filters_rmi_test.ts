/**
 * Issue 11, part 3: nothing the user owns is lost. `rmi` of an image a container uses is refused as
 * Docker refuses it and `rmi -f` only untags; an unknown `--filter` key is an error (never "matches
 * everything"), and the keys Docker users script with work for ps, images, volume ls and network ls.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth, type BerthResult } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

async function b(args: string[], code = 0): Promise<BerthResult> {
  const { root } = await runImages();
  const r = await berth(root, args);
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r;
}

const lines = (s: string) => s.split("\n").filter(Boolean).sort();

async function removeAll(): Promise<void> {
  const { root } = await runImages();
  const ids = (await berth(root, ["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
  if (ids.length) await berth(root, ["rm", "-f", "-v", ...ids]);
}

/** An image of its own (one tag only) built from the base image with labels. */
async function labelledImage(tag: string, labels: string): Promise<void> {
  const { base } = await runImages();
  const ctx = await Deno.makeTempDir({ prefix: "berth-test-ctx-" });
  try {
    Deno.writeTextFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nLABEL ${labels}\n`);
    await b(["build", "-q", "-t", tag, ctx]);
  } finally {
    await Deno.remove(ctx, { recursive: true });
  }
}

Deno.test("rmi: an image a container uses is refused (exit 1); -f untags but keeps what the container needs", PROC, async () => {
  try {
    await labelledImage("inuse:1", "purpose=rmi");
    const id = (await b(["images", "-q", "--no-trunc", "--filter", "reference=inuse:1"])).stdout.trim();
    assertMatch(id, /^sha256:[0-9a-f]{64}$/);
    await b(["run", "-d", "--name", "user-running", "inuse:1", "sleep", "60"]);
    await b(["create", "--name", "user-stopped", "inuse:1", "echo", "still here"]);
    const r = await b(["rmi", "inuse:1"], 1);
    assertMatch(r.stderr, /^berth: conflict: unable to remove repository reference "inuse:1" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}\n$/);
    const byId = await b(["rmi", id.slice(7, 19)], 1);
    assertMatch(byId.stderr, /conflict: unable to delete [0-9a-f]{12} \(cannot be forced\) - image is being used by running container|must be forced/);
    const forced = await b(["rmi", "-f", "inuse:1"]);
    assertEquals(forced.stdout, "Untagged: inuse:1\n");
    // the image stays (untagged) and both containers still work
    assertEquals((await b(["images", "-q", "--no-trunc", "--filter", "dangling=true"])).stdout.includes(id), true);
    await b(["rm", "-f", "user-running"]);
    assertEquals((await b(["start", "-a", "user-stopped"])).stdout, "still here\n");
    await b(["rm", "user-stopped"]);
    await b(["rmi", id]);
  } finally {
    await removeAll();
  }
});

Deno.test("filters: an unknown key is an error, never 'everything'; bad values are errors", PROC, async () => {
  try {
    await b(["run", "-d", "--name", "keepme", (await runImages()).base, "sleep", "60"]);
    for (const cmd of [["ps", "-aq"], ["images", "-q"], ["volume", "ls", "-q"], ["network", "ls", "-q"]]) {
      const r = await b([...cmd, "--filter", "lable=x"], 125);
      assertEquals(r.stderr, "berth: invalid filter 'lable'\n");
      assertEquals(r.stdout, "");
    }
    assertMatch((await b(["ps", "--filter", "status=sleepy"], 125)).stderr, /invalid filter 'status=sleepy'/);
    assertMatch((await b(["images", "--filter", "dangling=maybe"], 125)).stderr, /invalid filter 'dangling=maybe'/);
    assertMatch((await b(["ps", "--filter", "novalue"], 125)).stderr, /bad format of filter/);
    // the script that used to remove everything: a label nobody has matches nothing
    assertEquals((await b(["ps", "-aq", "--filter", "label=x"])).stdout, "");
    assertEquals((await b(["ps", "-q", "--filter", "name=keepme"])).stdout.trim().length, 12);
  } finally {
    await removeAll();
  }
});

Deno.test("filters: ps by id, name, label, status, exited, ancestor, network, volume, health, before, since, publish", PROC, async () => {
  const { base, user } = await runImages();
  try {
    await labelledImage("flt:1", "tier=web");
    const web = (await b(["run", "-d", "--name", "f-web", "-l", "team=a", "-p", "127.0.0.1::80", "-v", "fvol:/data", "flt:1", "sleep", "60"])).stdout.trim();
    const db = (await b(["run", "-d", "--name", "f-db", "-l", "team=b", "--network", "none", base, "sleep", "60"])).stdout.trim();
    const done = (await b(["run", "--name", "f-done", "-l", "team=a", user, "sh", "-c", "exit 3"], 3)).stderr;
    assertEquals(done, "");
    const q = async (...f: string[]) => lines((await b(["ps", "-aq", "--no-trunc", ...f.flatMap((x) => ["--filter", x])])).stdout);
    const doneId = (await q("name=f-done"))[0];
    assertEquals(await q(`id=${web.slice(0, 8)}`), [web]);
    assertEquals(await q("name=^f-d"), lines(`${db}\n${doneId}`));
    assertEquals(await q("label=team=a"), lines(`${web}\n${doneId}`));
    assertEquals(await q("label=team", "label=tier=web"), [web]); // labels AND, image labels included
    assertEquals(await q("status=exited"), [doneId]);
    assertEquals(await q("status=running", "status=exited", "label=team=a"), lines(`${web}\n${doneId}`)); // values OR
    assertEquals(await q("exited=3"), [doneId]);
    assertEquals(await q("exited=0"), []);
    assertEquals(await q("ancestor=flt:1"), [web]);
    assertEquals(await q(`ancestor=${user}`), [doneId]);
    assertEquals(await q("network=none"), [db]);
    assertEquals(await q("volume=fvol"), [web]);
    assertEquals(await q("volume=/data"), [web]);
    assertEquals(await q("health=none", "label=team"), lines(`${web}\n${db}\n${doneId}`));
    assertEquals(await q("health=healthy"), []);
    assertEquals(await q("since=f-web", "label=team"), lines(`${db}\n${doneId}`));
    assertEquals(await q("before=f-db", "label=team"), [web]);
    assertEquals(await q("publish=80"), [web]);
    assertEquals(await q("publish=80/udp"), []);
    assertEquals(await q("publish=81-90"), []);
    // without -a, status filters still show stopped containers (as Docker's)
    assertEquals(lines((await b(["ps", "-q", "--no-trunc", "--filter", "status=exited"])).stdout), [doneId]);
    assertEquals(JSON.parse((await b(["inspect", "f-web"])).stdout)[0].Config.Labels, { team: "a", tier: "web" });
  } finally {
    await removeAll();
    await berth((await runImages()).root, ["volume", "rm", "fvol"]);
    await berth((await runImages()).root, ["rmi", "flt:1"]);
  }
});

Deno.test("filters: images by dangling, reference, label, before, since; volume ls and network ls", PROC, async () => {
  const { root, base } = await runImages();
  try {
    await labelledImage("imgf:old", "kind=old");
    await new Promise((r) => setTimeout(r, 1100)); // image times are in seconds
    await labelledImage("imgf:new", "kind=new");
    const q = async (...f: string[]) => lines((await b(["images", "--format", "json", ...f.flatMap((x) => ["--filter", x])])).stdout).map((l) => {
      const j = JSON.parse(l);
      return `${j.Repository}:${j.Tag}`.replace(/^docker\.io\/library\//, "");
    }).sort();
    assertEquals(await q("reference=imgf:*"), ["imgf:new", "imgf:old"]);
    assertEquals(await q("reference=imgf"), ["imgf:new", "imgf:old"]);
    assertEquals(await q("reference=imgf:n*"), ["imgf:new"]);
    assertEquals(await q("label=kind=old"), ["imgf:old"]);
    assertEquals(await q("label=kind", "reference=imgf:*"), ["imgf:new", "imgf:old"]);
    assertEquals(await q("since=imgf:old", "reference=imgf:*"), ["imgf:new"]);
    assertEquals(await q("before=imgf:new", "reference=imgf:*"), ["imgf:old"]);
    assertEquals(await q("dangling=true"), []);
    assert((await q("dangling=false")).includes(base), "tagged images are not dangling");

    await b(["volume", "create", "--label", "env=prod", "vol-a"]);
    await b(["volume", "create", "vol-b"]);
    await b(["create", "--name", "vol-user", "-v", "vol-b:/x", base, "true"]);
    const vq = async (...f: string[]) => lines((await b(["volume", "ls", "-q", ...f.flatMap((x) => ["--filter", x])])).stdout);
    assertEquals(await vq("name=vol-"), ["vol-a", "vol-b"]);
    assertEquals(await vq("label=env=prod"), ["vol-a"]);
    assertEquals(await vq("dangling=true", "name=vol-"), ["vol-a"]);
    assertEquals(await vq("dangling=false", "name=vol-"), ["vol-b"]);
    assertEquals(await vq("driver=local", "name=vol-"), ["vol-a", "vol-b"]);

    await b(["network", "create", "--label", "env=test", "fnet-a"]);
    await b(["network", "create", "fnet-b"]);
    await b(["create", "--name", "net-user", "--network", "fnet-b", base, "true"]);
    const nq = async (...f: string[]) =>
      lines((await b(["network", "ls", "--format", "json", ...f.flatMap((x) => ["--filter", x])])).stdout).map((l) => JSON.parse(l).Name).sort();
    assertEquals(await nq("name=fnet"), ["fnet-a", "fnet-b"]);
    assertEquals(await nq("label=env=test"), ["fnet-a"]);
    assertEquals(await nq("dangling=true", "name=fnet"), ["fnet-a"]);
    assertEquals(await nq("driver=null"), ["none"]);
    assertEquals(await nq("driver=bridge", "name=fnet"), ["fnet-a", "fnet-b"]);
  } finally {
    await removeAll();
    for (const v of ["vol-a", "vol-b"]) await berth(root, ["volume", "rm", v]);
    await berth(root, ["network", "rm", "fnet-a", "fnet-b"]);
    await berth(root, ["rmi", "imgf:old", "imgf:new"]);
  }
});
