/**
 * The cgroup v2 device filter in the kernel: a cgroup of the v2 hierarchy (the unified one, or the one at
 * /sys/fs/cgroup/unified on a hybrid host like this one) gets the program; a shell that joins it can use
 * /dev/null, cannot read a device outside the list (/dev/cpu_dma_latency, 10:259), can with a rule for it
 * — read, not write, with "r" — and can still mknod any node it may not then open.
 */
import { assertEquals } from "../../../tests/helpers/assert.ts";
import { attachDeviceProgram } from "../../ffi/bpf.ts";
import { deviceFilterProgram } from "./device_filter.ts";
import { DEFAULT_DEVICE_RULES, type DeviceRule, deviceRuleText, parseDeviceRule } from "./device_rules.ts";

const V2 = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].find((d) => {
  try {
    return Deno.statSync(`${d}/cgroup.procs`).isFile && Deno.statSync(`${d}/cgroup.controllers`).isFile;
  } catch {
    return false;
  }
});

async function inCgroup(dir: string, script: string): Promise<string> {
  const r = await new Deno.Command("sh", { args: ["-c", `echo $$ > ${dir}/cgroup.procs && ${script}`], stdout: "piped", stderr: "piped" }).output();
  return new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
}

async function withFilter(rules: ReadonlyArray<string | DeviceRule>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = `${V2}/berth-test-devices-${Deno.pid}-${Math.random().toString(36).slice(2, 8)}`;
  Deno.mkdirSync(dir);
  try {
    attachDeviceProgram(dir, deviceFilterProgram(rules.map((r) => (typeof r === "string" ? parseDeviceRule(r) : r))));
    await fn(dir);
  } finally {
    Deno.removeSync(dir); // its processes have exited: the kernel drops the program with it
  }
}

Deno.test({
  name: "device filter (cgroup v2 eBPF): the default allowlist, a read-only rule, mknod, ordered allow and deny rules",
  ignore: !V2 || Deno.uid() !== 0,
  sanitizeResources: false,
  fn: async () => {
    const tmp = Deno.makeTempDirSync({ prefix: "berth-test-devnodes-" });
    try {
      await withFilter(DEFAULT_DEVICE_RULES, async (dir) => {
        assertEquals(await inCgroup(dir, "echo x > /dev/null && echo null ok"), "null ok\n");
        assertEquals((await inCgroup(dir, "head -c 4 /dev/cpu_dma_latency >/dev/null 2>&1 || echo denied")), "denied\n");
        // making a node is allowed (as Docker's "c *:* m"), opening it is not
        assertEquals(await inCgroup(dir, `mknod ${tmp}/lat c 10 259 && echo made; cat ${tmp}/lat >/dev/null 2>&1 || echo denied`), "made\ndenied\n");
      });
      await withFilter([...DEFAULT_DEVICE_RULES, "c 10:259 r"], async (dir) => {
        assertEquals(await inCgroup(dir, "head -c 4 /dev/cpu_dma_latency | wc -c"), "4\n");
        assertEquals(await inCgroup(dir, "{ printf 0000 > /dev/cpu_dma_latency; } 2>/dev/null || echo write denied"), "write denied\n");
      });
      await withFilter(["a"], async (dir) => {
        assertEquals(await inCgroup(dir, "head -c 4 /dev/cpu_dma_latency | wc -c"), "4\n");
      });
      // an OCI config's ordered rules: the last match decides — allow all, then deny one, then allow it to read
      const deny = { ...parseDeviceRule("c 10:259 rwm"), allow: false };
      await withFilter(["a", deny], async (dir) => {
        assertEquals(await inCgroup(dir, "head -c 4 /dev/cpu_dma_latency >/dev/null 2>&1 || echo denied"), "denied\n");
        assertEquals(await inCgroup(dir, "echo x > /dev/null && echo null ok"), "null ok\n");
      });
      await withFilter(["a", deny, "c 10:259 r"], async (dir) => {
        assertEquals(await inCgroup(dir, "head -c 4 /dev/cpu_dma_latency | wc -c"), "4\n");
      });
    } finally {
      Deno.removeSync(tmp, { recursive: true });
    }
  },
});

Deno.test("device rules: the v1 text of the default set, and back", () => {
  const text = DEFAULT_DEVICE_RULES.map(deviceRuleText);
  assertEquals(text.slice(0, 3), ["c *:* m", "b *:* m", "c 1:3 rwm"]);
  assertEquals(text.map(parseDeviceRule), [...DEFAULT_DEVICE_RULES]);
  assertEquals(parseDeviceRule("c 10:259 r"), { type: "c", major: 10, minor: 259, access: 2 });
});
