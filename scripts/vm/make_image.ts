/**
 * For scripts/vm_test.sh: the busybox test image as `berth save` writes it (the VM has no registry:
 * it loads this file) and the i386 seccomp fixture.
 *
 *   deno run -A scripts/vm/make_image.ts OUTDIR
 */
import { buildImage, pushImage, tarDir } from "../../tests/helpers/images.ts";
import { i386Unshare } from "../../tests/helpers/i386.ts";
import { startRegistry } from "../../tests/helpers/registry.ts";
import { fullBusybox } from "../../tests/helpers/run_images.ts";

const out = Deno.args[0];
if (!out) throw new Error("usage: make_image.ts OUTDIR");
const berth = new URL("../../dist/berth", import.meta.url).pathname;
const reg = await startRegistry();
const dir = await Deno.makeTempDir({ prefix: "berth-vm-image-" });
const root = await Deno.makeTempDir({ prefix: "berth-vm-root-" });
try {
  await fullBusybox(dir);
  await pushImage(reg.url, "busybox", "latest", buildImage({ layers: [await tarDir(dir, true)], cmd: ["/bin/sh"] }));
  const run = async (args: string[]) => {
    const r = await new Deno.Command(berth, { args: ["--root", root, ...args], stdout: "null", stderr: "piped" }).output();
    if (!r.success) throw new Error(`berth ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
  };
  await run(["pull", "-q", `${reg.host}/busybox:latest`]);
  await run(["tag", `${reg.host}/busybox:latest`, "busybox:latest"]);
  await run(["save", "-o", `${out}/busybox.tar`, "busybox:latest"]);
  await Deno.writeFile(`${out}/unshare32`, i386Unshare(), { mode: 0o755 });
} finally {
  await reg.stop();
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(root, { recursive: true });
}
