/**
 * Pull + unpack side by side in one run, from a loopback registry: berth (dist/berth), `tar -xzf` of
 * the same blobs one after another, skopeo copy + umoci unpack, and `podman pull` (own storage root,
 * overlay driver) when podman is installed. The tools take turns, run by run, and every run starts
 * from the same state: `sync`, the page cache dropped, each tool's binary loaded again (cold data,
 * warm programs), a short pause. Outputs are deleted only at the
 * end: for about a minute after a big delete, ext4 skips the freed inodes when it allocates new ones
 * (`recently_deleted` in ext4_create), which made whichever tool ran next up to 10× slower.
 *
 *   toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/pull_bench.ts [RUNS] [reference|small-files]
 */
import { join } from "node:path";
import { pushImage } from "../tests/helpers/images.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { type BenchShape, makeBenchImage } from "./make_image.ts";

const RUNS = Number(Deno.args[0] ?? 5);
const SHAPE = (Deno.args[1] ?? "reference") as BenchShape;
const BERTH = new URL("../dist/berth", import.meta.url).pathname;
const PAUSE_MS = 3000;

async function sh(cmd: string, args: string[]): Promise<void> {
  const r = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr).slice(0, 500)}`);
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms: number) => (ms / 1000).toFixed(2);

const img = await makeBenchImage(SHAPE);
const layerBlobs = [...img.blobs.entries()].filter(([d]) => d !== img.configDigest);
const gz = layerBlobs.reduce((n, [, b]) => n + b.length, 0);
const work = await Deno.makeTempDir({ prefix: "berth-bench-" });
const reg = await startRegistry();
try {
  await pushImage(reg.url, "bench", "latest", img);
  const ref = `${reg.host}/bench:latest`;
  const blobsDir = join(work, "blobs");
  await Deno.mkdir(blobsDir);
  for (const [d, b] of layerBlobs) await Deno.writeFile(join(blobsDir, d.slice(7)), b);
  // unpacked size, measured once with tar
  await Deno.mkdir(join(work, "probe"));
  for (const [d] of layerBlobs) await sh("tar", ["-xzf", join(blobsDir, d.slice(7)), "-C", join(work, "probe")]);
  const du = new TextDecoder().decode((await new Deno.Command("du", { args: ["-sb", "--apparent-size", join(work, "probe")], stdout: "piped" }).output()).stdout);
  const files = new TextDecoder().decode((await new Deno.Command("sh", { args: ["-c", `find ${join(work, "probe")} | wc -l`], stdout: "piped" }).output()).stdout);
  console.error(`image (${SHAPE}): ${layerBlobs.length} layers, ${(gz / 1e6).toFixed(0)} MB gzip'd, ` +
    `${(Number(du.split("\t")[0]) / 1e6).toFixed(0)} MB unpacked, ${files.trim()} files`);

  let n = 0;
  const fresh = () => join(work, `run${n++}`);
  const contenders: Array<[string, () => Promise<void>]> = [
    ["berth pull", () => sh(BERTH, ["--root", fresh(), "pull", "-q", ref])],
    ["tar -xzf of the blobs, one after another", async () => {
      const out = fresh();
      await Deno.mkdir(out);
      for (const [d] of layerBlobs) await sh("tar", ["-xzf", join(blobsDir, d.slice(7)), "-C", out]);
    }],
    ["skopeo copy + umoci unpack", async () => {
      const out = fresh();
      await Deno.mkdir(out);
      await sh("skopeo", ["copy", "-q", "--src-tls-verify=false", `docker://${ref}`, `oci:${out}/layout:bench`]);
      await sh("umoci", ["unpack", "--image", `${out}/layout:bench`, `${out}/bundle`]);
    }],
  ];
  const podman = (await new Deno.Command("sh", { args: ["-c", "command -v podman"], stdout: "null" }).output()).success;
  if (podman) {
    contenders.push(["podman pull", async () => {
      const out = fresh();
      await sh("podman", ["--root", out, "--runroot", `${out}-run`, "--storage-driver", "overlay", "pull", "-q", "--tls-verify=false", ref]);
    }]);
  }
  const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  // cold data, warm programs: after the cache is dropped each tool's own binary is loaded once again
  const programs: string[][] = [[BERTH, "--version"], ["tar", "--version"], ["skopeo", "--version"], ["umoci", "--version"]];
  if (podman) programs.push(["podman", "--version"]);
  const settle = async () => {
    await sh("sync", []);
    await Deno.writeTextFile("/proc/sys/vm/drop_caches", "3");
    for (const [cmd, ...args] of programs) await sh(cmd, args);
    await new Promise((r) => setTimeout(r, PAUSE_MS));
  };
  for (let i = 0; i < RUNS; i++) {
    for (const [name, fn] of contenders) {
      await settle();
      const t = performance.now();
      await fn();
      times.get(name)!.push(performance.now() - t);
    }
  }
  const base = median(times.get(contenders[1][0])!);
  console.log(`| ${SHAPE} image | median (s) | runs (s) | vs tar -xzf |\n| --- | --- | --- | --- |`);
  for (const [name, xs] of times) {
    console.log(`| ${name} | ${secs(median(xs))} | ${xs.map(secs).join(", ")} | ${(median(xs) / base).toFixed(2)}× |`);
  }
} finally {
  await reg.stop();
  await Deno.remove(work, { recursive: true });
}
