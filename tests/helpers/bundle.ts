/** OCI bundles for the runtime tests: a busybox rootfs and `berth runtime spec`'s config, changed per test. */
import { BERTH } from "./berth.ts";
import { fullBusybox } from "./run_images.ts";
import type { OciConfig } from "../../lib/runtime/oci_config.ts";

export interface Bundle {
  dir: string;
  config: OciConfig;
  /** writes config.json (after changes to `config`) */
  save(): void;
  remove(): Promise<void>;
}

export async function makeBundle(change: (c: OciConfig) => void = () => {}): Promise<Bundle> {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-bundle-" });
  await fullBusybox(`${dir}/rootfs`);
  const spec = await new Deno.Command(BERTH, { args: ["runtime", "spec"], cwd: dir }).output();
  if (!spec.success) throw new Error("berth runtime spec failed");
  const config = JSON.parse(await Deno.readTextFile(`${dir}/config.json`)) as OciConfig;
  config.process!.terminal = false;
  change(config);
  const b: Bundle = {
    dir,
    config,
    save: () => Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify(b.config)),
    remove: () => Deno.remove(dir, { recursive: true }),
  };
  b.save();
  return b;
}

/**
 * `berth runtime --root ROOT ARGS…`. Its output goes to files, not pipes: a container it creates keeps the
 * caller's fds (as runc's do), and a pipe would stay open as long as the container lives.
 */
export async function runtime(root: string, args: string[], opts: { cwd?: string; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await Deno.makeTempFile({ prefix: "berth-test-rt-out-" });
  const err = await Deno.makeTempFile({ prefix: "berth-test-rt-err-" });
  try {
    const c = new Deno.Command("sh", {
      args: ["-c", 'o="$1"; e="$2"; shift 2; exec "$@" >"$o" 2>"$e"', "sh", out, err, BERTH, "runtime", "--root", root, ...args],
      cwd: opts.cwd,
      stdin: opts.stdin !== undefined ? "piped" : "null",
    }).spawn();
    if (opts.stdin !== undefined) {
      const w = c.stdin.getWriter();
      await w.write(new TextEncoder().encode(opts.stdin));
      await w.close();
    }
    const { code } = await c.status;
    return { code, stdout: await Deno.readTextFile(out), stderr: await Deno.readTextFile(err) };
  } finally {
    await Deno.remove(out);
    await Deno.remove(err);
  }
}
