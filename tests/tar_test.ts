import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { TarParser, type TarEntry } from "../lib/image/tar_reader.ts";
import { tarEntries } from "./helpers/images.ts";

function parseAll(bytes: Uint8Array, chunk: number): Array<TarEntry & { body: string }> {
  const out: Array<TarEntry & { body: string }> = [];
  let body: number[] = [];
  const p = new TarParser({
    entry: () => (body = []),
    data: (c) => body.push(...c),
    entryEnd: (e) => out.push({ ...e, body: new TextDecoder().decode(new Uint8Array(body)) }),
  });
  for (let i = 0; i < bytes.length; i += chunk) p.push(bytes.subarray(i, i + chunk));
  p.end();
  return out;
}

Deno.test("tar: our reader reads GNU tar's PAX long names, links and devices, in any chunking", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-tar-" });
  try {
    const long = `${"d".repeat(120)}/${"f".repeat(150)}`;
    await Deno.mkdir(`${dir}/${long.split("/")[0]}`);
    await Deno.writeTextFile(`${dir}/${long}`, "long");
    await Deno.writeTextFile(`${dir}/a`, "hello");
    await Deno.link(`${dir}/a`, `${dir}/hard`);
    await Deno.symlink("a".repeat(130), `${dir}/sym`);
    const mk = await new Deno.Command("mknod", { args: [`${dir}/null`, "c", "1", "3"] }).output();
    assertEquals(mk.success, true);
    const r = await new Deno.Command("tar", { args: ["--format=pax", "-C", dir, "-cf", "-", "."], stdout: "piped" }).output();
    for (const chunk of [1, 7, 512, 100000]) {
      const byName = new Map(parseAll(r.stdout, chunk).map((e) => [e.name.replace(/^\.\//, ""), e]));
      assertEquals(byName.get(long)?.body, "long");
      // GNU tar stores whichever name it meets first as the file, the other as a hardlink to it
      const [file, link] = byName.get("a")!.type === "file" ? ["a", "hard"] : ["hard", "a"];
      assertEquals(byName.get(file)?.body, "hello");
      const hard = byName.get(link)!;
      assertEquals([hard.type, hard.linkname.replace(/^\.\//, "")], ["link", file]);
      assert(byName.size >= 6);
      assertEquals(byName.get("sym")?.linkname, "a".repeat(130));
      const dev = byName.get("null")!;
      assertEquals([dev.type, dev.devmajor, dev.devminor], ["char", 1, 3]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tar: ustar's name prefix is read, GNU's header (no prefix field: atime/ctime there) is not taken for one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-tar-" });
  try {
    const deep = `${"p".repeat(90)}/${"q".repeat(60)}`; // 151 bytes: ustar splits it into prefix + name
    await Deno.mkdir(`${dir}/${deep.split("/")[0]}`);
    await Deno.writeTextFile(`${dir}/${deep}`, "deep");
    await Deno.writeTextFile(`${dir}/short`, "short");
    for (const format of ["ustar", "gnu", "oldgnu"]) {
      // --atime-preserve and a set atime put bytes where a ustar header has its prefix (GNU formats' atime)
      const r = await new Deno.Command("tar", {
        args: [`--format=${format}`, "--incremental", "-C", dir, "-cf", "-", deep, "short"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!r.success && format !== "ustar") continue; // --incremental is GNU formats' only
      const bytes = r.success ? r.stdout : (await new Deno.Command("tar", {
        args: [`--format=${format}`, "-C", dir, "-cf", "-", deep, "short"],
        stdout: "piped",
      }).output()).stdout;
      const names = parseAll(bytes, 512).filter((e) => e.type === "file").map((e) => `${e.name}=${e.body}`).sort();
      assertEquals(names, [`${deep}=deep`, "short=short"], format);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tar: GNU tar reads what our writer writes (long names, xattrs, modes)", async () => {
  const long = "x".repeat(140) + "/file";
  const bytes = await tarEntries([
    { name: "x".repeat(140), type: "dir", mode: 0o755 },
    { name: long, type: "file", mode: 0o4755, uid: 1000, gid: 1000, data: "content" },
    { name: "link", type: "symlink", mode: 0o777, linkname: "/" + "y".repeat(120) },
    { name: "xa", type: "file", mode: 0o644, data: "", xattrs: new Map([["user.k", new TextEncoder().encode("v")]]) },
  ]);
  const dir = await Deno.makeTempDir({ prefix: "berth-test-tar-" });
  try {
    await Deno.writeFile(`${dir}/t.tar`, bytes);
    const r = await new Deno.Command("tar", { args: ["--xattrs", "--xattrs-include=*", "-tvf", `${dir}/t.tar`], stdout: "piped", stderr: "piped" }).output();
    assertEquals(r.success, true, new TextDecoder().decode(r.stderr));
    const listing = new TextDecoder().decode(r.stdout);
    assertEquals(listing.includes(long), true);
    assertMatch(listing, /-rwsr-xr-x +1000\/1000 +7 /);
    assertEquals(listing.includes("link -> /" + "y".repeat(120)), true);
    const x = await new Deno.Command("tar", { args: ["--xattrs", "--xattrs-include=*", "-C", dir, "-xf", `${dir}/t.tar`, "xa"] }).output();
    assertEquals(x.success, true);
    const g = await new Deno.Command("getfattr", { args: ["-n", "user.k", "--only-values", `${dir}/xa`], stdout: "piped", stderr: "null" }).output();
    assertEquals(new TextDecoder().decode(g.stdout), "v");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
