/**
 * The benchmark image: 5 layers, ~210 MB unpacked, ~130 MB gzip'd — busybox, random binaries,
 * random + text, large text files, and 25,000 small files — pushed to a test registry.
 */
import { buildImage, type BuiltImage, busyboxRootfs, tarDir } from "../tests/helpers/images.ts";
import { join } from "node:path";

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

const WORDS = "container layer image registry manifest digest overlay namespace cgroup volume network build push pull tag "
  .split(" ").filter(Boolean);

function text(n: number, seed: number): string {
  const parts: string[] = [];
  let len = 0;
  let x = seed;
  while (len < n) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const w = WORDS[x % WORDS.length] + (x % 7 === 0 ? "\n" : " ");
    parts.push(w);
    len += w.length;
  }
  return parts.join("").slice(0, n);
}

export async function makeBenchImage(): Promise<BuiltImage> {
  const root = await Deno.makeTempDir({ prefix: "berth-bench-src-" });
  try {
    const dirs = [1, 2, 3, 4, 5].map((i) => join(root, `l${i}`));
    for (const d of dirs) await Deno.mkdir(d);
    await busyboxRootfs(dirs[0]);
    await Deno.mkdir(join(dirs[1], "opt/bin"), { recursive: true });
    for (let i = 0; i < 2; i++) await Deno.writeFile(join(dirs[1], `opt/bin/blob${i}`), randomBytes(30 << 20));
    await Deno.mkdir(join(dirs[2], "usr/lib/mixed"), { recursive: true });
    for (let i = 0; i < 400; i++) {
      await Deno.writeFile(join(dirs[2], `usr/lib/mixed/r${i}.so`), randomBytes(100 << 10));
      if (i % 4 === 0) await Deno.writeTextFile(join(dirs[2], `usr/lib/mixed/t${i}.txt`), text(40 << 10, i));
    }
    await Deno.mkdir(join(dirs[3], "usr/share/doc"), { recursive: true });
    for (let i = 0; i < 60; i++) await Deno.writeTextFile(join(dirs[3], `usr/share/doc/big${i}.txt`), text(1 << 20, i));
    for (let d = 0; d < 250; d++) {
      const sub = join(dirs[4], "app/node_modules", `pkg${d}`);
      await Deno.mkdir(sub, { recursive: true });
      for (let f = 0; f < 100; f++) await Deno.writeTextFile(join(sub, `f${f}.js`), text(1024 + ((d * 100 + f) % 3072), d * 100 + f));
    }
    const layers = [];
    for (const d of dirs) layers.push(await tarDir(d, true));
    return buildImage({ layers, compression: "gzip" });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
