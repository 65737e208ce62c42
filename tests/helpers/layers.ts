/** Layers that exercise unpacking: whiteouts, opaque dirs, links, setuid, owners, devices, xattrs. */
import { join } from "node:path";
import { tarDir } from "./images.ts";

async function sh(cmd: string, args: string[]): Promise<void> {
  const r = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
}

/** Three layers: a base with every file kind, one that deletes and replaces, one that adds. */
export async function featureLayers(): Promise<Uint8Array[]> {
  const base = await Deno.makeTempDir({ prefix: "berth-test-l1-" });
  const upper = await Deno.makeTempDir({ prefix: "berth-test-l2-" });
  const top = await Deno.makeTempDir({ prefix: "berth-test-l3-" });
  try {
    const w = (dir: string, rel: string, text: string) => Deno.writeTextFile(join(dir, rel), text);
    for (const d of ["data/dir-gone", "opq", "s", "o", "h"]) await Deno.mkdir(join(base, d), { recursive: true });
    await w(base, "data/keep", "old");
    await w(base, "data/gone.txt", "bye");
    await w(base, "data/dir-gone/x", "x");
    await w(base, "opq/old1", "1");
    await w(base, "opq/old2", "2");
    await w(base, "s/setuid", "#!/bin/sh\n");
    await Deno.chmod(join(base, "s/setuid"), 0o4755);
    await w(base, "o/owned", "mine");
    await Deno.chown(join(base, "o/owned"), 1234, 5678);
    await w(base, "h/a", "linked");
    await Deno.link(join(base, "h/a"), join(base, "h/b"));
    await Deno.symlink("h/a", join(base, "l"));
    await Deno.symlink("/etc/passwd", join(base, "abs-link"));
    await sh("mkfifo", [join(base, "f")]);
    await sh("mknod", [join(base, "null"), "c", "1", "3"]);
    await sh("setfattr", ["-n", "user.berth", "-v", "yes", join(base, "data/keep")]);
    await Deno.utime(join(base, "data/keep"), 1600000000, 1600000000);

    await Deno.mkdir(join(upper, "data"), { recursive: true });
    await Deno.mkdir(join(upper, "opq"), { recursive: true });
    await w(upper, "data/keep", "new");
    await w(upper, "data/.wh.gone.txt", "");
    await w(upper, "data/.wh.dir-gone", "");
    await w(upper, "opq/.wh..wh..opq", "");
    await w(upper, "opq/new", "n");

    await w(top, "added", "3");
    return [await tarDir(base), await tarDir(upper), await tarDir(top)];
  } finally {
    for (const d of [base, upper, top]) await Deno.remove(d, { recursive: true });
  }
}
