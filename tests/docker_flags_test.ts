/**
 * Issue 15 (in part): Docker habits on the lifecycle — stop/restart `-s`, run `--stop-timeout`, logs
 * `--until`, exec `--env-file`, and `-v ./relative:/path` made absolute (as Docker 23+).
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH, berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

Deno.test({ name: "docker habits: stop -s, --stop-timeout, logs --until, exec --env-file, relative -v", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  const dir = await Deno.makeTempDir({ prefix: "berth-test-habits-" });
  try {
    // stop -s: the signal given, not TERM
    assertEquals((await b(["run", "-d", "--name", "h-sig", "--network", "none", base, "sh", "-c", 'trap "echo got-usr1; exit 0" USR1; echo up; while :; do sleep 0.1; done'])).code, 0);
    for (let i = 0; i < 50 && (await b(["logs", "h-sig"])).stdout !== "up\n"; i++) await new Promise((r) => setTimeout(r, 100));
    assertEquals((await b(["stop", "-s", "SIGUSR1", "h-sig"])).code, 0);
    assertEquals((await b(["logs", "h-sig"])).stdout, "up\ngot-usr1\n");
    assertEquals((await b(["inspect", "-f", "{{.State.ExitCode}}", "h-sig"])).stdout, "0\n");

    // --stop-timeout: a container that ignores TERM is killed after its own timeout, not 10 s
    assertEquals((await b(["run", "-d", "--name", "h-tmo", "--network", "none", "--stop-timeout", "1", base, "sh", "-c", 'trap "" TERM; while :; do sleep 0.1; done'])).code, 0);
    assertEquals((await b(["inspect", "-f", "{{.Config.StopTimeout}}", "h-tmo"])).stdout, "1\n");
    const t0 = performance.now();
    assertEquals((await b(["stop", "h-tmo"])).code, 0);
    const took = performance.now() - t0;
    assert(took >= 900 && took < 5000, `stop took ${took} ms`);
    assertEquals((await b(["inspect", "-f", "{{.State.ExitCode}}", "h-tmo"])).stdout, "137\n");
    // stop --timeout (Docker 23+'s name) and --time (the older one) over it: 0 s, killed at once
    for (const flag of ["--timeout", "--time"]) {
      assertEquals((await b(["start", "h-tmo"])).code, 0);
      const t1 = performance.now();
      assertEquals((await b(["stop", flag, "0", "h-tmo"])).code, 0);
      assert(performance.now() - t1 < 900, `stop ${flag} 0 waited`);
    }
    assertMatch((await b(["stop", "--timeout", "soon", "h-tmo"])).stderr, /invalid argument "soon" for "-t, --timeout" flag/);

    // logs --until: lines before a time only
    assertEquals((await b(["run", "-d", "--name", "h-log", "--network", "none", base, "sh", "-c", "echo first; sleep 1.2; echo second"])).code, 0);
    assertEquals((await b(["wait", "h-log"])).stdout, "0\n");
    const stamped = (await b(["logs", "-t", "h-log"])).stdout.trim().split("\n");
    assertEquals(stamped.map((l) => l.split(" ")[1]), ["first", "second"]);
    const second = stamped[1].split(" ")[0];
    assertEquals((await b(["logs", "--until", second, "h-log"])).stdout, "first\n");

    // exec --env-file, -e over it
    Deno.writeTextFileSync(`${dir}/env`, "# a comment\nA=1\nB=2\n");
    assertEquals((await b(["run", "-d", "--name", "h-exec", "--network", "none", base, "sleep", "60"])).code, 0);
    assertEquals((await b(["exec", "--env-file", `${dir}/env`, "h-exec", "sh", "-c", "echo $A$B"])).stdout, "12\n");
    assertEquals((await b(["exec", "--env-file", `${dir}/env`, "-e", "B=3", "h-exec", "sh", "-c", "echo $A$B"])).stdout, "13\n");

    // -v ./d:/d is the working directory's d
    Deno.mkdirSync(`${dir}/d`);
    Deno.writeTextFileSync(`${dir}/d/x`, "relative\n");
    const rel = await new Deno.Command(BERTH, { args: ["--root", root, "run", "--rm", "--network", "none", "-v", "./d:/d:ro", base, "cat", "/d/x"], cwd: dir, stdout: "piped", stderr: "piped" }).output();
    assertEquals(new TextDecoder().decode(rel.stdout), "relative\n", new TextDecoder().decode(rel.stderr));
  } finally {
    await b(["rm", "-f", "h-sig", "h-tmo", "h-log", "h-exec"]);
    await Deno.remove(dir, { recursive: true });
  }
} });
