/**
 * Issue 12 (in part, for the VM's checks): block I/O limits. `--device-read-bps` and friends and
 * `--blkio-weight` land in the container's own cgroup files — v1's blkio.throttle.* here, v2's io.max in
 * scripts/vm_test.sh — read back from inside the container (its cgroup namespace shows its own cgroup);
 * inspect lists them as Docker does; bad values are refused before anything is created.
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

// the first block device of this host (a VM's disk)
const DISK = ["/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda"].find((d) => {
  try {
    return Deno.statSync(d).isBlockDevice;
  } catch {
    return false;
  }
});

Deno.test({ name: "io limits: per-device rates land in the container's cgroup; inspect shows them; bad values are refused", ...PROC, ignore: !DISK, fn: async () => {
  const { base } = await runImages();
  const st = Deno.statSync(DISK!);
  const dev = `${Math.floor(st.rdev! / 256) & 0xfff}:${st.rdev! & 0xff}`;
  const read = "cat /sys/fs/cgroup/io.max 2>/dev/null || for f in read_bps write_bps read_iops write_iops; do cat /sys/fs/cgroup/blkio/blkio.throttle.${f}_device; done";
  const id = (await b(["run", "-d", "--network", "none", "--device-read-bps", `${DISK}:1mb`, "--device-write-iops", `${DISK}:100`, base, "sleep", "60"])).stdout.trim();
  try {
    const out = (await b(["exec", id, "sh", "-c", read])).stdout;
    // v2: "254:0 rbps=1048576 wbps=max riops=max wiops=100"; v1: one line per file
    if (out.includes("rbps")) assertMatch(out, new RegExp(`^${dev} rbps=1048576 wbps=max riops=max wiops=100$`, "m"));
    else assertEquals(out, `${dev} 1048576\n${dev} 100\n`);
    const hc = JSON.parse((await b(["inspect", id])).stdout)[0].HostConfig;
    assertEquals(hc.BlkioDeviceReadBps, [{ Path: DISK, Rate: 1048576 }]);
    assertEquals(hc.BlkioDeviceWriteIOps, [{ Path: DISK, Rate: 100 }]);
    assertEquals(hc.BlkioDeviceWriteBps, []);
  } finally {
    await b(["rm", "-f", id]);
  }
  assertMatch((await b(["run", "--rm", "--device-read-bps", "/etc/hostname:1mb", base, "true"], 125)).stderr, /\/etc\/hostname is not a block device/);
  assertMatch((await b(["run", "--rm", "--device-read-bps", `${DISK}:lots`, base, "true"], 125)).stderr, /invalid size: 'lots'/);
  assertMatch((await b(["run", "--rm", "--device-read-iops", `${DISK}:-3`, base, "true"], 125)).stderr, /invalid rate for device/);
  assertMatch((await b(["run", "--rm", "--blkio-weight", "5", base, "true"], 125)).stderr, /Range of blkio weight is from 10 to 1000/);
  assertEquals((await b(["ps", "-aq"])).stdout, "");
} });
