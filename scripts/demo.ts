/**
 * The README's first command: with no internet, build a real busybox image from the machine's
 * busybox-static, serve it from a local docker-registry, have dist/berth pull and list it into the default
 * root (/var/lib/berth, or $BERTH_ROOT), then run containers from it, one of them detached.
 */
import { buildImage, pushImage, tarDir } from "../tests/helpers/images.ts";
import { fullBusybox } from "../tests/helpers/run_images.ts";
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
  await fullBusybox(dir);
  await pushImage(reg.url, "busybox", "latest", buildImage({
    layers: [await tarDir(dir, true)],
    cmd: ["/bin/sh"],
    createdBy: ["COPY busybox-static rootfs / # built by scripts/demo.ts"],
  }));
  const image = `${reg.host}/busybox:latest`;
  await sh(["pull", image]);
  await sh(["images"]);
  await sh(["history", image]);
  await sh(["run", "--rm", image, "sh", "-c", "echo hello from container $(hostname); id; ps; grep CapEff /proc/self/status"]);
  await sh(["run", "--rm", "--memory", "32m", "--read-only", "-v", "/etc/debian_version:/host-debian-version:ro", image, "sh", "-c", "echo host Debian $(cat /host-debian-version); touch /x || true"]);
  // a detached container under the supervisor: ps, logs, exec, graceful stop, rm
  // (a container of that name left by an interrupted demo goes first)
  await new Deno.Command(berth, { args: ["rm", "-f", "berth-demo"], stdout: "null", stderr: "null" }).output();
  await sh(["run", "-d", "--name", "berth-demo", image, "sh", "-c", "trap 'echo bye; exit 0' TERM; echo up; while :; do sleep 1; done"]);
  await new Promise((r) => setTimeout(r, 300));
  await sh(["ps"]);
  await sh(["exec", "berth-demo", "sh", "-c", "echo exec in $(hostname) as pid $$"]);
  await sh(["stop", "berth-demo"]);
  await sh(["logs", "berth-demo"]);
  await sh(["rm", "berth-demo"]);
  // a published port, reached from the host's 127.0.0.1
  await new Deno.Command(berth, { args: ["rm", "-f", "berth-demo-web"], stdout: "null", stderr: "null" }).output();
  const port = (() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const p = (l.addr as Deno.NetAddr).port;
    l.close();
    return p;
  })();
  await sh(["run", "-d", "--name", "berth-demo-web", "-p", `${port}:80`, image, "sh", "-c", "mkdir /www; echo hello over a published port > /www/index.html; exec httpd -f -p 80 -h /www"]);
  await new Promise((r) => setTimeout(r, 300));
  console.log(`$ curl http://127.0.0.1:${port}/`);
  await new Deno.Command("curl", { args: ["-s", "--max-time", "5", `http://127.0.0.1:${port}/`], stdout: "inherit" }).output();
  await sh(["rm", "-f", "berth-demo-web"]);
  await sh(["network", "rm", "bridge"]); // tidy: its bridge and iptables chains go (the next run makes it again)
} finally {
  await reg.stop();
  await Deno.remove(dir, { recursive: true });
}
