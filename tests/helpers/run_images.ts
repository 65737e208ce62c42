/**
 * Images for the `berth run` tests, pulled once into one berth root per test file: a busybox with
 * every applet, users and groups, a directory to seed volumes from, and variants of the config
 * (entrypoint, user, working dir, volume, stop signal).
 */
import { join } from "node:path";
import { BERTH, tempRoot } from "./berth.ts";
import { buildImage, pushImage, tarDir } from "./images.ts";
import { startRegistry } from "./registry.ts";

/** A rootfs with busybox-static and all its applets, users, groups and some data. */
export async function fullBusybox(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "bin"), { recursive: true });
  await Deno.copyFile("/bin/busybox", join(dir, "bin/busybox"));
  await Deno.chmod(join(dir, "bin/busybox"), 0o755);
  const list = await new Deno.Command("/bin/busybox", { args: ["--list"], stdout: "piped" }).output();
  for (const app of new TextDecoder().decode(list.stdout).split("\n").filter(Boolean)) {
    if (app !== "busybox") await Deno.symlink("busybox", join(dir, "bin", app));
  }
  for (const d of ["etc", "tmp", "root", "proc", "sys", "dev", "home/app", "seed/sub", "usr/bin"]) {
    await Deno.mkdir(join(dir, d), { recursive: true });
  }
  await Deno.chmod(join(dir, "tmp"), 0o1777);
  await Deno.writeTextFile(
    join(dir, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
  );
  await Deno.writeTextFile(join(dir, "etc/group"), "root:x:0:\nwheel:x:10:root,app\naudio:x:29:app\napp:x:1000:\nnogroup:x:65534:\n");
  await Deno.writeTextFile(join(dir, "seed/hello.txt"), "seeded from the image\n");
  await Deno.writeTextFile(join(dir, "seed/sub/deep.txt"), "deep\n");
  await Deno.writeTextFile(join(dir, "usr/bin/not-exec"), "#!/bin/sh\necho no\n");
  await Deno.chmod(join(dir, "usr/bin/not-exec"), 0o644);
  // owned by app: volumes seeded from here keep the owner
  await Deno.chown(join(dir, "home/app"), 1000, 1000);
}

export interface RunImages {
  root: string;
  /** plain: Cmd ["/bin/sh"] */
  base: string;
  /** Entrypoint ["echo", "ep"], Cmd ["default"] */
  entrypoint: string;
  /** User app, WorkingDir /home/app, Env FOO=from-image */
  user: string;
  /** Volumes {"/seed": {}} */
  volume: string;
  /** ExposedPorts {"80/tcp": {}} */
  exposed: string;
}

let cached: Promise<RunImages> | undefined;
let rootDir: string | undefined;

/** The root's networks go first: their bridges and iptables rules are the host's, not the root's. */
export function removeNetworksSync(root: string): void {
  const ls = new Deno.Command(BERTH, { args: ["--root", root, "network", "ls", "--format", "json"], stdout: "piped", stderr: "null" }).outputSync();
  const names = new TextDecoder().decode(ls.stdout).split("\n").filter(Boolean).map((l) => JSON.parse(l))
    .filter((n) => n.ID).map((n) => n.Name as string);
  if (!names.length) return;
  const rm = new Deno.Command(BERTH, { args: ["--root", root, "network", "rm", ...names], stdout: "null", stderr: "piped" }).outputSync();
  if (!rm.success) console.error(`removing the test root's networks: ${new TextDecoder().decode(rm.stderr)}`);
}

// a filtered test run may skip the file's last test: the root still goes when the process ends
globalThis.addEventListener("unload", () => {
  if (!rootDir) return;
  removeNetworksSync(rootDir);
  Deno.removeSync(rootDir, { recursive: true });
});

/** Builds, pushes and pulls the images once; the root stays until {@link removeRunImages}. */
export function runImages(): Promise<RunImages> {
  cached ??= (async () => {
    const reg = await startRegistry();
    const root = await tempRoot();
    rootDir = root;
    const dir = await Deno.makeTempDir({ prefix: "berth-test-rootfs-" });
    try {
      await fullBusybox(dir);
      const layer = await tarDir(dir, true);
      const variants: Record<string, Record<string, unknown>> = {
        base: {},
        entrypoint: { Entrypoint: ["echo", "ep"], Cmd: ["default"] },
        user: { User: "app", WorkingDir: "/home/app", Env: ["PATH=/bin", "FOO=from-image"] },
        volume: { Volumes: { "/seed": {} } },
        exposed: { ExposedPorts: { "80/tcp": {} } },
      };
      const names: Record<string, string> = {};
      for (const [tag, config] of Object.entries(variants)) {
        await pushImage(reg.url, "rt", tag, buildImage({ layers: [layer], config }));
        names[tag] = `${reg.host}/rt:${tag}`;
        const r = await new Deno.Command(BERTH, { args: ["--root", root, "pull", "-q", names[tag]], stdout: "null", stderr: "piped" }).output();
        if (!r.success) throw new Error(`pull ${names[tag]}: ${new TextDecoder().decode(r.stderr)}`);
      }
      return { root, base: names.base, entrypoint: names.entrypoint, user: names.user, volume: names.volume, exposed: names.exposed };
    } finally {
      await reg.stop();
      await Deno.remove(dir, { recursive: true });
    }
  })();
  return cached;
}

/** Removes the shared root (call from the file's last test). */
export async function removeRunImages(): Promise<void> {
  if (!cached) return;
  const { root } = await cached;
  cached = undefined;
  rootDir = undefined;
  removeNetworksSync(root);
  await Deno.remove(root, { recursive: true });
}
