/** What the benchmarks share: running dist/berth with a root, and podman set up for this VM. */
import { join } from "../lib/util/path.ts";
import { busyboxRootfs, buildImage, pushImage, tarDir } from "../tests/helpers/images.ts";
import type { TestRegistry } from "../tests/helpers/registry.ts";

export const BERTH = new URL("../dist/berth", import.meta.url).pathname;

/** `dist/berth --root ROOT ARGS…`; stdout, or an error with berth's stderr. */
export async function berthIn(root: string, args: string[]): Promise<string> {
  const r = await new Deno.Command(BERTH, { args: ["--root", root, ...args], stdout: "piped", stderr: "piped" }).output();
  if (!r.success) throw new Error(`berth ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
  return new TextDecoder().decode(r.stdout);
}

/**
 * The shell prefix for podman with its own storage under `work` and the containers.conf this VM
 * needs (cgroupfs, file events, runc, ulimits under the hard limit: see shared/notes/environment.md).
 */
export async function podmanPrefix(work: string): Promise<string> {
  const conf = join(work, "containers.conf");
  await Deno.writeTextFile(conf, [
    "[containers]",
    'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
    "[engine]",
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    'runtime = "runc"',
  ].join("\n") + "\n");
  return `CONTAINERS_CONF=${conf} podman --root ${work}/podman --runroot ${work}/podman-run --storage-driver overlay`;
}

/** Builds the busybox-static image into `work/image`, pushes it to `reg` as busybox:latest; returns its name. */
export async function pushBusybox(reg: TestRegistry, work: string): Promise<string> {
  const rootfs = join(work, "image");
  await busyboxRootfs(rootfs);
  await pushImage(reg.url, "busybox", "latest", buildImage({ layers: [await tarDir(rootfs, true)], cmd: ["/bin/sh"] }));
  return `${reg.host}/busybox:latest`;
}
