/**
 * Issue 12 (in part): a default process limit per container (2048, as Podman's; ROOT/config.json
 * `pidsLimit` changes it, `--pids-limit -1` removes it), and user/group IDs beyond 2147483647 refused
 * before anything is created (they would wrap around to root's).
 */
import { join } from "node:path";
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

const PIDS_MAX = "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max";

Deno.test("pids: 2048 by default, ROOT/config.json pidsLimit, --pids-limit -1 for none", PROC, async () => {
  const { root, base } = await runImages();
  assertEquals((await b(["run", "--rm", "--network", "none", base, "sh", "-c", PIDS_MAX])).stdout, "2048\n");
  assertEquals((await b(["run", "--rm", "--network", "none", "--pids-limit", "-1", base, "sh", "-c", PIDS_MAX])).stdout, "max\n");
  assertEquals((await b(["run", "--rm", "--network", "none", "--pids-limit", "64", base, "sh", "-c", PIDS_MAX])).stdout, "64\n");
  const id = (await b(["run", "-d", "--network", "none", base, "sh", "-c", `${PIDS_MAX}; sleep 60`])).stdout.trim();
  try {
    for (let i = 0; i < 50 && !(await b(["logs", id])).stdout; i++) await new Promise((r) => setTimeout(r, 100));
    assertEquals((await b(["logs", id])).stdout, "2048\n");
  } finally {
    await b(["rm", "-f", id]);
  }
  Deno.writeTextFileSync(join(root, "config.json"), JSON.stringify({ pidsLimit: 300 }));
  try {
    assertEquals((await b(["run", "--rm", "--network", "none", base, "sh", "-c", PIDS_MAX])).stdout, "300\n");
  } finally {
    Deno.removeSync(join(root, "config.json"));
  }
});

Deno.test("-u and --group-add beyond 2147483647 are refused at once, nothing created", PROC, async () => {
  const { base } = await runImages();
  for (const args of [["-u", "4294967296"], ["-u", "0:4294967296"], ["-u", "2147483648"], ["--group-add", "4294967296"]]) {
    const r = await b(["run", "--rm", "--network", "none", ...args, base, "id"], 125);
    assertMatch(r.stderr, /out of range \(IDs are 0 to 2147483647\)/);
  }
  assertEquals((await b(["ps", "-aq"])).stdout, "");
  assertEquals((await b(["run", "--rm", "--network", "none", "-u", "2147483647", base, "sh", "-c", "id -u"])).stdout, "2147483647\n");
  const id = (await b(["run", "-d", "--network", "none", base, "sleep", "60"])).stdout.trim();
  try {
    assertMatch((await b(["exec", "-u", "4294967296", id, "id"], 125)).stderr, /out of range/);
  } finally {
    await b(["rm", "-f", id]);
  }
});
