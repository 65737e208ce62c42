/**
 * The images the pull benchmark uses, made here from random bytes, generated text and busybox-static
 * (no internet), as layer tars written by GNU tar.
 */
import { buildImage, type BuiltImage, busyboxRootfs, tarDir } from "../tests/helpers/images.ts";
import { join } from "node:path";

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

const WORDS = "container layer image registry manifest digest overlay namespace cgroup volume network build push pull tag"
  .split(" ");

/** Log-like text: compresses about 3:1, so gunzip is real work (as in most text-heavy layers). */
function logText(n: number, seed: number): string {
  const lines: string[] = [];
  let len = 0;
  let x = seed | 1;
  const rnd = () => (x = (x * 1103515245 + 12345) & 0x7fffffff);
  const verbs = ["GET", "PUT", "POST", "DELETE", "HEAD"];
  while (len < n) {
    const line = `2026-11-${10 + (rnd() % 20)}T${rnd() % 24}:${rnd() % 60}:${rnd() % 60}.${rnd() % 1000}Z ` +
      `${verbs[rnd() % 5]} /api/v1/${WORDS[rnd() % WORDS.length]}/${rnd().toString(16)} status=${200 + (rnd() % 4) * 100} ` +
      `bytes=${rnd() % 100000} trace=${rnd().toString(36)}${rnd().toString(36)}\n`;
    lines.push(line);
    len += line.length;
  }
  return lines.join("").slice(0, n);
}

export type BenchShape = "reference" | "small-files";

async function smallFiles(dir: string, packages: number): Promise<void> {
  for (let d = 0; d < packages; d++) {
    const sub = join(dir, "app/node_modules", `pkg${d}`);
    await Deno.mkdir(sub, { recursive: true });
    for (let f = 0; f < 100; f++) {
      await Deno.writeTextFile(join(sub, `f${f}.js`), logText(1024 + ((d * 100 + f) % 3072), d * 100 + f));
    }
  }
}

/**
 * - `reference`: ~206 MB unpacked, ~115 MB gzip'd, 5 layers — busybox, random binaries, log text,
 *   mixed binaries and text, 5,000 small files: the shape of the image the reference numbers
 *   (docker 4.5 s, podman 5.4 s, tar 4.1 s) were measured on.
 * - `small-files`: busybox plus one layer of 25,000 small files, where creating files in the kernel
 *   is nearly all of the work.
 */
export async function makeBenchImage(shape: BenchShape = "reference"): Promise<BuiltImage> {
  const root = await Deno.makeTempDir({ prefix: "berth-bench-src-" });
  try {
    const dirs = (shape === "reference" ? [1, 2, 3, 4, 5] : [1, 2]).map((i) => join(root, `l${i}`));
    for (const d of dirs) await Deno.mkdir(d);
    await busyboxRootfs(dirs[0]);
    if (shape === "reference") {
      await Deno.mkdir(join(dirs[1], "opt/bin"), { recursive: true });
      for (let i = 0; i < 2; i++) await Deno.writeFile(join(dirs[1], `opt/bin/tool${i}`), randomBytes(30 << 20));
      await Deno.mkdir(join(dirs[2], "var/log/app"), { recursive: true });
      for (let i = 0; i < 45; i++) await Deno.writeTextFile(join(dirs[2], `var/log/app/log${i}.txt`), logText(2 << 20, i));
      await Deno.mkdir(join(dirs[3], "usr/lib/mixed"), { recursive: true });
      for (let i = 0; i < 200; i++) {
        await Deno.writeFile(join(dirs[3], `usr/lib/mixed/lib${i}.so`), randomBytes(100 << 10));
        await Deno.writeTextFile(join(dirs[3], `usr/lib/mixed/doc${i}.txt`), logText(100 << 10, 1000 + i));
      }
      await smallFiles(dirs[4], 50);
    } else {
      await smallFiles(dirs[1], 250);
    }
    const layers = [];
    for (const d of dirs) layers.push(await tarDir(d, true));
    return buildImage({ layers, compression: "gzip" });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
