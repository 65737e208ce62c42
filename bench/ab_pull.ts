/**
 * A/B of two berth builds pulling the same image (cold page cache, interleaved, fresh roots), for a
 * before/after of a change to the pull path:
 *
 *   deno run -A bench/ab_pull.ts OLD_BERTH NEW_BERTH [RUNS] [reference|small-files]
 *
 * Give each build its own BERTH_RUNTIME_DIR (the one-file runtime cache keeps one build per directory).
 */
import { pushImage } from "../tests/helpers/images.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { type BenchShape, makeBenchImage } from "./make_image.ts";

const [oldBin, newBin] = Deno.args;
const RUNS = Number(Deno.args[2] ?? 3);
const SHAPE = (Deno.args[3] ?? "small-files") as BenchShape;
if (!oldBin || !newBin) throw new Error("usage: ab_pull.ts OLD_BERTH NEW_BERTH [RUNS] [reference|small-files]");

const reg = await startRegistry();
const work = await Deno.makeTempDir({ prefix: "berth-ab-" });
const times: Record<string, number[]> = { old: [], new: [] };
try {
  await pushImage(reg.url, "ab", "1", await makeBenchImage(SHAPE));
  for (let r = 0; r < RUNS; r++) {
    for (const [name, bin] of [["old", oldBin], ["new", newBin]] as const) {
      const root = `${work}/${name}-${r}`;
      await new Deno.Command("sh", { args: ["-c", "sync; echo 3 > /proc/sys/vm/drop_caches"] }).output();
      await new Promise((res) => setTimeout(res, 2000));
      const t0 = performance.now();
      const out = await new Deno.Command(bin, {
        args: ["--root", root, "pull", "-q", `${reg.host}/ab:1`],
        env: { BERTH_RUNTIME_DIR: `${work}/../berth-ab-rt-${name}` },
        stdout: "null",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(`${name}: ${new TextDecoder().decode(out.stderr)}`);
      times[name].push(performance.now() - t0);
    }
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const k of ["old", "new"]) console.log(`${k}: median ${(median(times[k]) / 1000).toFixed(2)} s (${times[k].map((t) => (t / 1000).toFixed(2)).join(", ")})`);
} finally {
  await reg.stop();
  await Deno.remove(work, { recursive: true });
}
