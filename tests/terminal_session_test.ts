/**
 * `run -it` and `start -ai` on a terminal (script(1) gives berth one): Ctrl-P Ctrl-Q (or --detach-keys)
 * leaves the container running, as Docker's; without a detach the exit code is the container's, and --rm
 * removes it — at once when it ends attached, by the supervisor when it ends after a detach.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH, berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dec = new TextDecoder();

/** `berth ARGS` on a pty; `input` typed chunk by chunk, 400 ms apart; its exit code and what the terminal showed. */
async function onTerminal(root: string, args: string[], input: string[], before = ""): Promise<{ code: number; shown: string }> {
  const cmd = before + [BERTH, "--root", root, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const p = new Deno.Command("script", { args: ["-qec", cmd, "/dev/null"], stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  const w = p.stdin.getWriter();
  await sleep(800);
  for (const chunk of input) {
    await w.write(new TextEncoder().encode(chunk));
    await sleep(400);
  }
  const timer = setTimeout(() => p.kill("SIGKILL"), 20_000);
  const r = await p.output();
  clearTimeout(timer);
  await w.close().catch(() => {});
  return { code: r.code, shown: dec.decode(r.stdout) };
}

Deno.test({ name: "terminal: run -it and start -ai detach with Ctrl-P Ctrl-Q or --detach-keys; exit codes; --rm", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  const running = async (name: string) => (await b(["inspect", "-f", "{{.State.Running}}", name])).stdout.trim();
  try {
    // typed input reaches the shell, its output comes back; Ctrl-P Ctrl-Q ends berth with 0, the shell runs on
    const it = await onTerminal(root, ["run", "-it", "--name", "ts-sh", "--network", "none", base, "sh"], ["echo hello-$((40+2))\r", "\x10\x11"]);
    assertEquals(it.code, 0, it.shown);
    assertMatch(it.shown, /hello-42/);
    assertEquals(await running("ts-sh"), "true");
    // attach again, leave with other keys; then end it from the terminal: the container's exit code
    const again = await onTerminal(root, ["attach", "--detach-keys", "ctrl-x", "ts-sh"], ["echo again\r", "\x18"]);
    assertEquals([again.code, await running("ts-sh")], [0, "true"], again.shown);
    assertMatch(again.shown, /again/);
    const end = await onTerminal(root, ["attach", "ts-sh"], ["exit 7\r"]);
    assertEquals(end.code, 7, end.shown);
    assertEquals(await running("ts-sh"), "false");

    // start -ai: the same session, on a stopped container
    const st = await onTerminal(root, ["start", "-ai", "ts-sh"], ["echo restarted\r", "\x10\x11"]);
    assertEquals([st.code, await running("ts-sh")], [0, "true"], st.shown);
    assertMatch(st.shown, /restarted/);

    // --rm attached: the exit code, then the container is gone; the terminal's size is the container's
    const rm = await onTerminal(root, ["run", "-it", "--rm", "--name", "ts-rm", "--network", "none", base, "sh", "-c", "stty size; read x; echo got:$x; exit 3"], ["typed\r"], "stty rows 33 cols 101; ");
    assertEquals(rm.code, 3, rm.shown);
    assertMatch(rm.shown, /^33 101\r*\n[\s\S]*got:typed/);
    assertEquals((await b(["ps", "-aq", "--filter", "name=ts-rm"])).stdout, "");
    // --rm detached: removed once it ends, by the supervisor
    const det = await onTerminal(root, ["run", "-it", "--rm", "--name", "ts-rm2", "--network", "none", base, "sh"], ["\x10\x11"]);
    assertEquals([det.code, await running("ts-rm2")], [0, "true"], det.shown);
    assertEquals((await b(["stop", "-t", "0", "ts-rm2"])).code, 0);
    let left = "x";
    for (let i = 0; i < 50 && left; i++) {
      await sleep(100);
      left = (await b(["ps", "-aq", "--filter", "name=ts-rm2"])).stdout;
    }
    assertEquals(left, "", "the detached --rm container was not removed when it ended");
    // without a terminal, run -i keeps running in the calling process (no detach keys to read)
    const piped = await berth(root, ["run", "-i", "--rm", "--network", "none", base, "cat"], { stdin: "a\x10\x11b\n" });
    assertEquals([piped.code, piped.stdout], [0, "a\x10\x11b\n"]);
    assert(true);
  } finally {
    await b(["rm", "-f", "ts-sh", "ts-rm", "ts-rm2"]);
  }
} });
