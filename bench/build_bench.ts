/**
 * `berth build` of a ten-step Dockerfile, cold (empty build cache, base image present) and cached
 * (the same build again), side by side with `podman build` (buildah) of the same Dockerfile and
 * context in the same run. Both use `--network none` for RUN, so neither pays for network setup.
 *
 *   toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/build_bench.ts [RUNS]
 */
import { join } from "../lib/util/path.ts";
import { buildImage, pushImage, tarDir } from "../tests/helpers/images.ts";
import { fullBusybox } from "../tests/helpers/run_images.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { BERTH, podmanPrefix } from "./peers.ts";

const RUNS = Number(Deno.args[0] ?? 3);

async function sh(script: string): Promise<void> {
  const r = await new Deno.Command("sh", { args: ["-c", script], stdout: "null", stderr: "piped" }).output();
  if (!r.success) throw new Error(`${script}: ${new TextDecoder().decode(r.stderr).slice(-800)}`);
}

const work = await Deno.makeTempDir({ prefix: "berth-bench-build-" });
const reg = await startRegistry();
try {
  const rootfs = join(work, "image");
  await fullBusybox(rootfs);
  await pushImage(reg.url, "busybox", "latest", buildImage({ layers: [await tarDir(rootfs, true)], cmd: ["/bin/sh"] }));
  const image = `${reg.host}/busybox:latest`;
  const ctx = join(work, "ctx");
  await Deno.mkdir(join(ctx, "src"), { recursive: true });
  for (let i = 0; i < 200; i++) await Deno.writeTextFile(join(ctx, "src", `f${i}.txt`), `file ${i}\n`.repeat(50));
  await Deno.writeTextFile(join(ctx, "Dockerfile"), [
    `FROM ${image}`,
    "ENV APP=/app MODE=bench",
    "WORKDIR /app",
    "COPY src ./src",
    "RUN cat src/*.txt | wc -l > lines.txt",
    "RUN mkdir -p /data && echo ready > /data/state",
    "LABEL bench=build",
    "EXPOSE 8080",
    "USER nobody",
    'CMD ["cat", "/app/lines.txt"]',
  ].join("\n") + "\n");

  const podman = await podmanPrefix(work);
  const hasPodman = (await new Deno.Command("sh", { args: ["-c", "command -v podman"], stdout: "null" }).output()).success;
  const berthRoot = join(work, "berth");
  await sh(`${BERTH} --root ${berthRoot} pull -q ${image}`);
  if (hasPodman) await sh(`${podman} pull -q --tls-verify=false ${image}`);

  const contenders: Array<[string, string, string]> = [
    // name, cold (cache emptied first), cached
    ["berth build", `rm -rf ${berthRoot}/build-cache && ${BERTH} --root ${berthRoot} build -q --network none -t bench:1 ${ctx}`, `${BERTH} --root ${berthRoot} build -q --network none -t bench:1 ${ctx}`],
  ];
  if (hasPodman) {
    contenders.push([
      "podman build",
      `${podman} build -q --no-cache --network none --tls-verify=false -t bench:1 ${ctx}`,
      `${podman} build -q --network none --tls-verify=false -t bench:1 ${ctx}`,
    ]);
  }
  const times = new Map<string, { cold: number[]; cached: number[] }>(contenders.map(([n]) => [n, { cold: [], cached: [] }]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, cold, cached] of contenders) {
      let t = performance.now();
      await sh(cold);
      times.get(name)!.cold.push(performance.now() - t);
      t = performance.now();
      await sh(cached);
      times.get(name)!.cached.push(performance.now() - t);
    }
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log("| ten-step Dockerfile | cold build, median (s) | cached rebuild, median (s) | runs cold / cached (s) |\n| --- | --- | --- | --- |");
  for (const [name, t] of times) {
    console.log(`| ${name} | ${s(median(t.cold))} | ${s(median(t.cached))} | ${t.cold.map(s).join(", ")} / ${t.cached.map(s).join(", ")} |`);
  }
  if (hasPodman) await sh(`${podman} system reset -f`).catch(() => {});
} finally {
  await reg.stop();
  await sh(`grep -o '${work}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`).catch(() => {});
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
