/**
 * Issue 12 (in part): seccomp. Every container runs under Docker's default profile unless
 * `--security-opt seccomp=unconfined` or `--privileged`; `--security-opt seccomp=PROFILE.json` takes a
 * Docker/OCI profile (a bad one: exit 125, nothing created); exec runs under the container's filter;
 * inspect names the profile.
 *
 * Fixtures: `unshare -U` (a user namespace needs no capability from the kernel, only from Docker's
 * profile: CAP_SYS_ADMIN) and busybox's `kill` and `umask` (argument rules). The i386 ABI is checked
 * in scripts/vm_test.sh: this machine's kernel has 32-bit emulation switched off.
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

const status = "grep -E '^Seccomp(_filters)?:' /proc/self/status | tr -s ' \\t' ' '";

Deno.test("seccomp: Docker's default profile by default; unconfined and --privileged have none; SYS_ADMIN opens its rules", PROC, async () => {
  const { base } = await runImages();
  const run = (opts: string[], script: string) => b(["run", "--rm", "--network", "none", ...opts, base, "sh", "-c", script]);
  assertEquals((await run([], status)).stdout, "Seccomp: 2\nSeccomp_filters: 1\n");
  assertEquals((await run(["--security-opt", "seccomp=unconfined"], status)).stdout, "Seccomp: 0\nSeccomp_filters: 0\n");
  assertEquals((await run(["--privileged"], status)).stdout, "Seccomp: 0\nSeccomp_filters: 0\n");
  // a user namespace: refused by the profile (the kernel itself would allow it), allowed unconfined or with CAP_SYS_ADMIN
  const userns = "unshare -U true 2>&1 && echo allowed; true";
  assertMatch((await run([], userns)).stdout, /Operation not permitted/);
  assertEquals((await run(["--security-opt", "seccomp=unconfined"], userns)).stdout, "allowed\n");
  assertEquals((await run(["--cap-add", "SYS_ADMIN"], userns)).stdout, "allowed\n");
  // the filter comes before the user switch and covers it: a non-root user and no-new-privileges both run
  assertEquals((await run(["-u", "1000:1000"], `id -u; ${status}`)).stdout, "1000\nSeccomp: 2\nSeccomp_filters: 1\n");
  assertEquals((await run(["--security-opt", "no-new-privileges"], `${status}; grep NoNewPrivs /proc/self/status | tr -d ' \\t'`)).stdout, "Seccomp: 2\nSeccomp_filters: 1\nNoNewPrivs:1\n");
  // personality: Linux and linux32 are allowed, anything else not
  assertEquals((await run([], "linux32 uname -m")).stdout, "i686\n");
});

Deno.test("seccomp: a profile file (Docker's format) with argument rules; exec runs under the container's filter", PROC, async () => {
  const { base } = await runImages();
  const dir = await Deno.makeTempDir({ prefix: "berth-test-seccomp-" });
  try {
    const profile = {
      defaultAction: "SCMP_ACT_ALLOW",
      archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] }],
      syscalls: [
        { names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
        // kill(pid, SIGUSR1) refused, other signals not
        { names: ["kill"], action: "SCMP_ACT_ERRNO", args: [{ index: 1, value: 10, op: "SCMP_CMP_EQ" }] },
        // a 64-bit argument: sleep's nanosleep is not concerned, but umask above 0o777 is refused
        { names: ["umask"], action: "SCMP_ACT_ERRNO", errnoRet: 22, args: [{ index: 0, value: 0o777, op: "SCMP_CMP_GT" }] },
      ],
    };
    await Deno.writeTextFile(`${dir}/p.json`, JSON.stringify(profile));
    const script = "mkdir /tmp/x 2>&1; kill -USR1 $$ 2>&1; kill -0 $$ && echo signal0 ok; umask 022 && echo umask ok";
    const r = await b(["run", "--rm", "--network", "none", "--security-opt", `seccomp=${dir}/p.json`, base, "sh", "-c", script]);
    assertMatch(r.stdout, /mkdir: can't create directory '\/tmp\/x': Permission denied/);
    assertMatch(r.stdout, /Operation not permitted/);
    assertMatch(r.stdout, /signal0 ok\numask ok\n/);

    const id = (await b(["run", "-d", "--network", "none", "--security-opt", `seccomp=${dir}/p.json`, base, "sleep", "60"])).stdout.trim();
    try {
      assertMatch((await b(["exec", id, "sh", "-c", "mkdir /tmp/y 2>&1; true"])).stdout, /Permission denied/);
      assertEquals((await b(["exec", id, "sh", "-c", status])).stdout, "Seccomp: 2\nSeccomp_filters: 1\n");
      const hc = JSON.parse((await b(["inspect", id])).stdout)[0].HostConfig;
      assertEquals(hc.SeccompProfile, `${dir}/p.json`);
      assertEquals(hc.SecurityOpt, [`seccomp=${dir}/p.json`]);
    } finally {
      await b(["rm", "-f", id]);
    }
    // the profile was read at create: the file may go, a restart keeps the rules
    const other = (await b(["create", "--network", "none", "--security-opt", `seccomp=${dir}/p.json`, base, "mkdir", "/tmp/z"])).stdout.trim();
    await Deno.remove(`${dir}/p.json`);
    assertMatch((await b(["start", "-a", other], 1)).stderr, /Permission denied/);
    await b(["rm", other]);

    const def = (await b(["create", base, "true"])).stdout.trim();
    assertEquals(JSON.parse((await b(["inspect", def])).stdout)[0].HostConfig.SeccompProfile, "builtin");
    await b(["rm", def]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("seccomp: a bad profile is a clear error (exit 125) and creates nothing", PROC, async () => {
  const { base } = await runImages();
  const dir = await Deno.makeTempDir({ prefix: "berth-test-seccomp-" });
  try {
    const cases: [string, string, RegExp][] = [
      ["missing.json", "", /opening seccomp profile \(.*missing\.json\) failed: no such file or directory/],
      ["notjson.json", "{ defaultAction: ", /seccomp profile .*notjson\.json: not valid JSON/],
      ["action.json", JSON.stringify({ defaultAction: "SCMP_ACT_MAYBE" }), /defaultAction: unknown action "SCMP_ACT_MAYBE"/],
      ["op.json", JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["kill"], action: "SCMP_ACT_ERRNO", args: [{ index: 9, value: 1, op: "SCMP_CMP_EQ" }] }] }), /syscalls\[0\]\.args\[0\]: index must be 0 to 5/],
      ["arch.json", JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_Z80"] }), /unknown architecture "SCMP_ARCH_Z80"/],
    ];
    for (const [name, text, want] of cases) {
      if (text) await Deno.writeTextFile(`${dir}/${name}`, text);
      const r = await b(["run", "--rm", "--security-opt", `seccomp=${dir}/${name}`, base, "true"], 125);
      assertMatch(r.stderr, want);
      assertMatch(r.stderr, /^berth: /);
    }
    assertEquals((await b(["ps", "-aq"])).stdout, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
