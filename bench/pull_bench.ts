/**
 * Pull + unpack of the benchmark image from a loopback registry, side by side in one run:
 * berth (dist/berth), `tar -xzf` of the same blobs one after another, skopeo copy + umoci unpack,
 * and podman/docker when they are installed and usable. Prints a Markdown table of medians.
 *
 *   node_modules/@deno/linux-x64-glibc/deno run -A bench/pull_bench.ts [RUNS]
 */
import { join } from "node:path";
import { pushImage } from "../tests/helpers/images.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { makeBenchImage } from "./make_image.ts";

const RUNS = Number(Deno.args[0] ?? 5);
const BERTH = new URL("../dist/berth", import.meta.url).pathname;

async function sh(cmd: string, args: string[], env?: Record<string, string>): Promise<void> {
  const r = await new Deno.Command(cmd, { args, env, stdout: "null", stderr: "piped" }).output();
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr).slice(0, 500)}`);
}

const has = async (cmd: string) => (await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" }).output()).success;

async function time(name: string, prepare: () => Promise<void>, fn: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await prepare();
    await sh("sync", []);
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  console.error(`${name}: ${out.map((x) => (x / 1000).toFixed(2)).join(" ")} s`);
  return out;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const img = await makeBenchImage();
const layerBlobs = [...img.blobs.entries()].filter(([d]) => d !== img.configDigest);
const gz = layerBlobs.reduce((n, [, b]) => n + b.length, 0);
const raw = img.diffIds.length;
console.error(`image: ${raw} layers, ${(gz / 1e6).toFixed(1)} MB compressed`);
const reg = await startRegistry();
const work = await Deno.makeTempDir({ prefix: "berth-bench-" });
const results: Array<[string, number[]]> = [];
try {
  await pushImage(reg.url, "bench", "latest", img);
  const ref = `${reg.host}/bench:latest`;
  const blobsDir = join(work, "blobs");
  await Deno.mkdir(blobsDir);
  for (const [d, b] of layerBlobs) await Deno.writeFile(join(blobsDir, d.slice(7)), b);
  const fresh = (p: string) => async () => {
    await Deno.remove(p, { recursive: true }).catch(() => {});
    await Deno.mkdir(p, { recursive: true });
  };
  const out = join(work, "out");

  results.push(["berth pull", await time("berth", fresh(out), () => sh(BERTH, ["--root", out, "pull", "-q", ref]))]);
  results.push(["tar -xzf of the blobs, one after another", await time("tar", fresh(out), async () => {
    for (const [d] of layerBlobs) await sh("tar", ["-xzf", join(blobsDir, d.slice(7)), "-C", out]);
  })]);
  if (await has("skopeo") && await has("umoci")) {
    results.push(["skopeo copy + umoci unpack", await time("skopeo+umoci", fresh(out), async () => {
      await sh("skopeo", ["copy", "-q", "--src-tls-verify=false", `docker://${ref}`, `oci:${out}/layout:bench`]);
      await sh("umoci", ["unpack", "--image", `${out}/layout:bench`, `${out}/bundle`]);
    })]);
  }
  const base = median(results.find(([n]) => n.startsWith("tar"))![1]);
  console.log(`| tool | median (s) | runs (s) | vs tar -xzf |\n| --- | --- | --- | --- |`);
  for (const [name, xs] of results) {
    console.log(
      `| ${name} | ${(median(xs) / 1000).toFixed(2)} | ${xs.map((x) => (x / 1000).toFixed(2)).join(", ")} | ${(median(xs) / base).toFixed(2)}× |`,
    );
  }
} finally {
  await reg.stop();
  await Deno.remove(work, { recursive: true });
}
