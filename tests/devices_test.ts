/**
 * Issue 12 (in part): devices. A container cannot open a host device through a node it makes itself (the
 * device cgroup's allowlist on cgroup v1 here; the eBPF filter on v2, which device_filter_test.ts and
 * scripts/vm_test.sh check), `--device HOST[:CTR[:rwm]]` adds one node with the permissions given, and
 * `--privileged` allows every device.
 */
import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth, type BerthResult } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

async function b(args: string[], code = 0): Promise<BerthResult> {
  const { root } = await runImages();
  const r = await berth(root, args);
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r;
}

// A host device outside the default allowlist that root can read here (this machine's sandbox denies even
// root the raw disk): /dev/cpu_dma_latency, char 10:259 (it reads as a 4-byte number).
const [major, minor] = [10, 259];

Deno.test("devices: no host device through a node the container makes; --device adds one with its permissions; --privileged all", PROC, async () => {
  const { base } = await runImages();
  // (in /dev: the rootfs is mounted nodev)
  const readDisk = `mknod /dev/hostdev c ${major} ${minor} && head -c 4 /dev/hostdev | wc -c`;
  const denied = await b(["run", "--rm", "--network", "none", base, "sh", "-c", `{ ${readDisk}; } 2>&1`], 0);
  assertMatch(denied.stdout, /Operation not permitted/);
  assertEquals((await b(["run", "--rm", "--network", "none", "--privileged", base, "sh", "-c", readDisk])).stdout.trim(), "4");

  assertEquals((await b(["run", "--rm", "--network", "none", "--device", "/dev/null:/dev/mynull", base, "sh", "-c", "echo x > /dev/mynull && echo ok"])).stdout, "ok\n");
  assertEquals((await b(["run", "--rm", "--network", "none", "--device", "/dev/full:/dev/net/fullish", base, "sh", "-c", "ls -l /dev/net/fullish | cut -c1"])).stdout, "c\n");
  const ro = await b(["run", "--rm", "--network", "none", "--device", "/dev/cpu_dma_latency:/dev/lat:r", base, "sh", "-c", "head -c 4 /dev/lat | wc -c; { printf 0000 > /dev/lat; } 2>&1 || echo write refused"]);
  assertMatch(ro.stdout, /^4\n[\s\S]*write refused/);
  assertMatch((await b(["run", "--rm", "--device", "/nonexistent", base, "true"], 125)).stderr, /error gathering device information while adding custom device "\/nonexistent"/);
  assertMatch((await b(["run", "--rm", "--device", "/etc/hostname", base, "true"], 125)).stderr, /not a device node/);
  assertEquals((await b(["ps", "-aq"])).stdout, "");
});
