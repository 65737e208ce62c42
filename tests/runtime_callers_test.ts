/**
 * Issue 14 (in part): berth's OCI runtime under a real caller — Debian's containerd 1.6 with its runc shim,
 * told by `ctr run --runc-binary` to call berth-runc (a link to dist/berth): run with output and exit codes,
 * `-d`, `task exec`, pause/resume, kill, delete, and `-t` (the terminal through the shim's console socket).
 */
import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { fullBusybox } from "./helpers/run_images.ts";

const CONTAINERD = ["/usr/bin/containerd", "/usr/bin/ctr"].every((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

async function sh(cmd: string, args: string[], opts: { code?: number; env?: Record<string, string> } = {}): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", stdin: "null", env: opts.env }).output();
  const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assertEquals(r.code, opts.code ?? 0, `${cmd} ${args.join(" ")}: ${out}`);
  return new TextDecoder().decode(r.stdout);
}

Deno.test({ name: "runtime callers: containerd's ctr runs, execs, pauses, kills and deletes through berth-runc", ...PROC, ignore: !CONTAINERD, fn: async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-ctrd-" });
  let containerd: Deno.ChildProcess | undefined;
  const sock = `${dir}/containerd.sock`;
  // the shim keeps runtime state under /run/containerd/runc/NAMESPACE whatever containerd's root: a namespace of our own
  const ns = `berth-test-${crypto.randomUUID().slice(0, 8)}`;
  const ctr = (args: string[], code = 0) => sh("/usr/bin/ctr", ["-a", sock, "-n", ns, ...args], { code });
  try {
    // an image with berth: busybox from scratch, saved as a docker archive, imported into containerd
    await fullBusybox(`${dir}/ctx/root`);
    Deno.writeTextFileSync(`${dir}/ctx/Dockerfile`, 'FROM scratch\nCOPY root/ /\nCMD ["sh"]\n');
    await sh(BERTH, ["--root", `${dir}/berth`, "build", "-q", "-t", "bb:1", `${dir}/ctx`]);
    await sh(BERTH, ["--root", `${dir}/berth`, "save", "-o", `${dir}/bb.tar`, "bb:1"]);
    Deno.writeTextFileSync(`${dir}/config.toml`, `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\n[grpc]\n  address = "${sock}"\n`);
    containerd = new Deno.Command("/usr/bin/containerd", { args: ["--config", `${dir}/config.toml`], stdout: "null", stderr: "null" }).spawn();
    for (let i = 0; i < 100; i++) {
      try {
        Deno.statSync(sock);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await ctr(["images", "import", `${dir}/bb.tar`]);
    const runc = `${dir}/berth-runc`;
    Deno.symlinkSync(BERTH, runc);
    const img = "docker.io/library/bb:1";

    assertEquals(await ctr(["run", "--rm", "--runc-binary", runc, img, "t1", "sh", "-c", "echo hello from ctr; exit 4"], 4), "hello from ctr\n");
    await ctr(["run", "-d", "--runc-binary", runc, img, "t2", "sleep", "100"]);
    assertMatch(await ctr(["task", "ls"]), /t2\s+\d+\s+RUNNING/);
    assertEquals(await ctr(["task", "exec", "--exec-id", "e1", "t2", "sh", "-c", "echo exec-out; exit 6"], 6), "exec-out\n");
    await ctr(["task", "pause", "t2"]);
    assertMatch(await ctr(["task", "ls"]), /t2\s+\d+\s+PAUSED/);
    await ctr(["task", "resume", "t2"]);
    assertMatch(await ctr(["task", "ls"]), /t2\s+\d+\s+RUNNING/);
    await ctr(["task", "kill", "-s", "SIGKILL", "t2"]);
    for (let i = 0; i < 50 && !/t2\s+\d+\s+STOPPED/.test(await ctr(["task", "ls"])); i++) await new Promise((r) => setTimeout(r, 100));
    assertMatch(await ctr(["task", "ls"]), /t2\s+\d+\s+STOPPED/);
    await ctr(["task", "delete", "t2"]);
    await ctr(["container", "delete", "t2"]);
    // -t: the shim's console socket gets the terminal
    const t = await sh("script", ["-qec", `/usr/bin/ctr -a ${sock} -n ${ns} run -t --rm --runc-binary ${runc} ${img} t3 sh -c 'tty; echo tty-ok'`, "/dev/null"]);
    assertMatch(t, /\/dev\/(console|pts\/\d+)\s+tty-ok/);
    assertEquals((await ctr(["task", "ls", "-q"])).trim(), "");
  } finally {
    containerd?.kill("SIGTERM");
    await containerd?.status;
    await Deno.remove(`/run/containerd/runc/${ns}`, { recursive: true }).catch(() => {});
    // containerd leaves its snapshot mounts and the shims' state: unmount what is under the test dir
    const mounts = Deno.readTextFileSync("/proc/self/mounts").split("\n").map((l) => l.split(" ")[1]).filter((m) => m?.startsWith(dir));
    for (const m of mounts.reverse()) await new Deno.Command("umount", { args: ["-l", m] }).output();
    await Deno.remove(dir, { recursive: true });
  }
} });
