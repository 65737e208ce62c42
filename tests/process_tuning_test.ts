/**
 * Issue 15 (in part): run/create flags that reach the container through its OCI config — `--ulimit`,
 * `--sysctl` (namespaced keys only), `--oom-score-adj`, `--shm-size` — and `--stop-signal`, `--cidfile`;
 * bad values refused before anything is made; inspect shows them as Docker does.
 */
import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

Deno.test({ name: "run: --ulimit, --sysctl, --oom-score-adj, --shm-size, --stop-signal, --cidfile; bad values refused, nothing made", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  const dir = await Deno.makeTempDir({ prefix: "berth-test-tuning-" });
  try {
    const r = await b([
      "run", "--rm", "--network", "none", "--ulimit", "nofile=1234:2345", "--ulimit", "nproc=300", "--sysctl", "net.ipv4.ip_unprivileged_port_start=99",
      "--sysctl", "kernel.shmmni=1000", "--oom-score-adj", "500", "--shm-size", "8m", base, "sh", "-c",
      "ulimit -n; ulimit -Hn; ulimit -u; cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmni /proc/self/oom_score_adj; grep ' /dev/shm ' /proc/mounts",
    ]);
    assertEquals(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assertEquals(lines.slice(0, 6), ["1234", "2345", "300", "99", "1000", "500"]);
    assertMatch(lines[6], /size=8192k/);
    // the host's values are untouched
    assertEquals(Deno.readTextFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start").trim() === "99", false);

    // --cidfile, --stop-signal, and inspect
    const cid = `${dir}/cid`;
    const c = await b(["create", "--name", "tuned", "--cidfile", cid, "--stop-signal", "SIGUSR1", "--ulimit", "core=0", "--oom-score-adj", "-100", "--shm-size", "1g", base, "true"]);
    assertEquals(c.code, 0, c.stderr);
    assertEquals(Deno.readTextFileSync(cid), c.stdout.trim());
    const hc = JSON.parse((await b(["inspect", "tuned"])).stdout)[0];
    assertEquals([hc.HostConfig.Ulimits, hc.HostConfig.OomScoreAdj, hc.HostConfig.ShmSize, hc.Config.StopSignal], [[{ Name: "core", Soft: 0, Hard: 0 }], -100, 1 << 30, "SIGUSR1"]);
    // an existing cidfile is refused before anything is made
    const again = await b(["create", "--name", "tuned2", "--cidfile", cid, base, "true"]);
    assertEquals(again.code, 125);
    assertMatch(again.stderr, /container ID file found/);
    assertEquals((await b(["ps", "-a", "--filter", "name=tuned2", "-q"])).stdout, "");

    // bad values: clear errors, exit 125, no container
    const bad: Array<[string[], RegExp]> = [
      [["--sysctl", "kernel.hostname=x"], /sysctl 'kernel.hostname' is not allowed/],
      [["--network", "host", "--sysctl", "net.ipv4.ip_forward=1"], /not allowed in the host's network namespace/],
      [["--ulimit", "nofile=10:5"], /soft limit must be less than or equal to hard limit/],
      [["--ulimit", "bogus=1"], /invalid ulimit type: bogus/],
      [["--oom-score-adj", "2000"], /must be between -1000 and 1000/],
      [["--shm-size", "lots"], /invalid size/],
      [["--stop-signal", "SIGNOPE"], /SIGNOPE/],
    ];
    for (const [flags, msg] of bad) {
      const x = await b(["run", "--rm", "--name", "bad-tuning", ...flags, base, "true"]);
      assertEquals(x.code, 125, flags.join(" "));
      assertMatch(x.stderr, msg);
    }
    assertEquals((await b(["ps", "-a", "--filter", "name=bad-tuning", "-q"])).stdout, "");
  } finally {
    await b(["rm", "-f", "tuned"]);
    await Deno.remove(dir, { recursive: true });
  }
} });
