/** The `--init` program's bytes are what its source assembles to, and it behaves as tini does. */
import { assertEquals } from "../../tests/helpers/assert.ts";
import { DOCKER_INIT_CODE_HEX, dockerInitExecutable } from "./docker_init.ts";

const tool = async (cmd: string, args: string[]) => {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
};

Deno.test("docker-init: its bytes are docker_init.s assembled (GNU as, ld, objcopy from binutils)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-init-" });
  try {
    const src = new URL("./docker_init.s", import.meta.url).pathname;
    await tool("as", ["-o", `${dir}/init.o`, src]);
    await tool("ld", ["-N", "--no-warn-rwx-segments", "-e", "_start", "-Ttext=0x400078", "-o", `${dir}/init`, `${dir}/init.o`]);
    await tool("objcopy", ["-O", "binary", "-j", ".text", `${dir}/init`, `${dir}/init.bin`]);
    const hex = Array.from(Deno.readFileSync(`${dir}/init.bin`), (b) => b.toString(16).padStart(2, "0")).join("");
    assertEquals(hex, DOCKER_INIT_CODE_HEX);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("docker-init: runs the command from $PATH, passes its exit code, forwards signals", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-init-" });
  const init = `${dir}/docker-init`;
  Deno.writeFileSync(init, dockerInitExecutable(), { mode: 0o755 });
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const r = await new Deno.Command(init, { args: ["--", ...args], env, stdout: "piped", stderr: "piped" }).output();
    return { code: r.code, out: new TextDecoder().decode(r.stdout), err: new TextDecoder().decode(r.stderr) };
  };
  try {
    assertEquals(await run(["echo", "hi"]), { code: 0, out: "hi\n", err: "" });
    assertEquals((await run(["sh", "-c", "exit 7"])).code, 7);
    assertEquals((await run(["sh", "-c", "kill -9 $$"])).code, 137);
    assertEquals(await run(["no-such-command"]), { code: 127, out: "", err: "docker-init: cannot execute no-such-command\n" });
    assertEquals((await run(["/etc/passwd"])).code, 126);
    // an empty PATH entry is the working directory; a too long one is skipped, not overflowed
    assertEquals((await run(["echo", "via-path"], { PATH: `/${"x".repeat(5000)}:/nonexistent::/bin` })).out, "via-path\n");
    // TERM goes to the command (the init itself ignores it), which decides the exit
    const p = new Deno.Command(init, { args: ["--", "sh", "-c", 'trap "echo got-term; exit 5" TERM; echo up; while :; do sleep 0.05; done'], stdout: "piped" }).spawn();
    const reader = p.stdout.getReader();
    assertEquals(new TextDecoder().decode((await reader.read()).value), "up\n");
    p.kill("SIGTERM");
    assertEquals(new TextDecoder().decode((await reader.read()).value), "got-term\n");
    reader.releaseLock();
    assertEquals((await p.status).code, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
