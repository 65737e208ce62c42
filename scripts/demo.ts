/**
 * The README's first command: with no internet, build a real busybox image from the machine's
 * busybox-static, serve it from a local docker-registry, and have dist/berth pull, list, inspect and
 * export it into the default root (/var/lib/berth, or $BERTH_ROOT).
 */
import { buildImage, busyboxRootfs, pushImage, tarDir } from "../tests/helpers/images.ts";
import { startRegistry } from "../tests/helpers/registry.ts";

const berth = new URL("../dist/berth", import.meta.url).pathname;
const sh = async (args: string[]) => {
  console.log(`$ berth ${args.join(" ")}`);
  const r = await new Deno.Command(berth, { args, stdout: "inherit", stderr: "inherit" }).output();
  if (!r.success) Deno.exit(r.code);
};

// localhost:5000 when it is free, so the demo image keeps one name from run to run
let port: number | undefined = 5000;
try {
  Deno.listen({ hostname: "127.0.0.1", port }).close();
} catch {
  port = undefined;
}
const reg = await startRegistry({}, port);
const dir = await Deno.makeTempDir({ prefix: "berth-demo-" });
try {
  await busyboxRootfs(dir);
  await pushImage(reg.url, "busybox", "latest", buildImage({
    layers: [await tarDir(dir, true)],
    cmd: ["/bin/sh"],
    createdBy: ["COPY busybox-static rootfs / # built by scripts/demo.ts"],
  }));
  const image = `${reg.host}/busybox:latest`;
  await sh(["pull", image]);
  await sh(["images"]);
  await sh(["history", image]);
  const exp = await new Deno.Command(berth, { args: ["export", image], stdout: "piped" }).output();
  console.log(`$ berth export ${image} | tar -t | head -5`);
  const list = await new Deno.Command("tar", { args: ["-t"], stdin: "piped", stdout: "piped" }).spawn();
  const w = list.stdin.getWriter();
  await w.write(exp.stdout);
  await w.close();
  console.log(new TextDecoder().decode((await list.output()).stdout).split("\n").slice(0, 5).join("\n"));
} finally {
  await reg.stop();
  await Deno.remove(dir, { recursive: true });
}
