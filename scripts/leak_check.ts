/**
 * Runs after the suite: nothing the tests made may be left on the machine — mounts, test
 * registries, berth processes, container cgroups, temp roots.
 */
import nodeAssert from "node:assert";

Deno.test("leak check: no mounts, processes, cgroups, network links, iptables rules or temp dirs left by the tests", async () => {
  const mounts = Deno.readTextFileSync("/proc/self/mountinfo").split("\n").filter((l) => /berth/i.test(l));
  nodeAssert.deepStrictEqual(mounts, [], "mounts left behind");
  // a supervisor leaves 3 s after its last container (by design): give the last test's one that long
  let procs: string[] = [];
  for (let i = 0; i < 50; i++) {
    const ps = await new Deno.Command("ps", { args: ["-eo", "pid,args"], stdout: "piped" }).output();
    procs = new TextDecoder().decode(ps.stdout).split("\n")
      .filter((l) => /berth-test-registry|dist\/berth|berth\/[0-9a-f]{16}\/deno/.test(l) && !/leak_check/.test(l));
    if (!procs.length || procs.some((l) => !/ supervise$/.test(l))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  nodeAssert.deepStrictEqual(procs, [], "processes left behind");
  // berth's parent cgroups go with their last container
  const cgroups = ["/sys/fs/cgroup/berth", ...["memory", "pids", "cpu", "cpuacct", "freezer", "devices", "blkio"].map((c) => `/sys/fs/cgroup/${c}/berth`)]
    .filter((d) => {
      try {
        Deno.statSync(d);
        return true;
      } catch {
        return false;
      }
    });
  nodeAssert.deepStrictEqual(cgroups, [], "container cgroups left behind");
  // bridges and veths of berth, and its iptables chains
  const links = new TextDecoder().decode((await new Deno.Command("ip", { args: ["-o", "link"], stdout: "piped" }).output()).stdout)
    .split("\n").filter((l) => /: (berth\d+|vb[0-9a-f]{11})[:@]/.test(l));
  nodeAssert.deepStrictEqual(links, [], "network links left behind");
  for (const table of ["filter", "nat"]) {
    const rules = new TextDecoder().decode((await new Deno.Command("iptables", { args: ["-w", "-t", table, "-S"], stdout: "piped" }).output()).stdout)
      .split("\n").filter((l) => /BERTH/.test(l));
    nodeAssert.deepStrictEqual(rules, [], `iptables ${table} rules left behind`);
  }
  const tmp = [...Deno.readDirSync("/tmp")].map((e) => e.name).filter((n) => n.startsWith("berth-test-"));
  nodeAssert.deepStrictEqual(tmp, [], "temp dirs left behind");
});
