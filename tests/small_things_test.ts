/**
 * Issue 11, part 4: small things with big effects — names on a user network resolve from a container's
 * first instruction, `-it` without a terminal fails at once, login's password prompt does not echo, and
 * output cut short by its reader ends quietly.
 */
import { assert, assertEquals, assertMatch, assertNotMatch } from "./helpers/assert.ts";
import { berth, BERTH, type BerthResult, tempRoot } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

async function b(args: string[], code = 0): Promise<BerthResult> {
  const { root } = await runImages();
  const r = await berth(root, args);
  assertEquals(r.code, code, `berth ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r;
}

Deno.test("names on a user network resolve from a new container's first instruction", PROC, async () => {
  const { root, base } = await runImages();
  try {
    await b(["network", "create", "firstnet"]);
    await b(["run", "-d", "--name", "srv", "--network", "firstnet", "--network-alias", "database", base, "sleep", "60"]);
    for (let i = 0; i < 10; i++) {
      // the client's very first instruction (the command itself, exec'd at once) reads the names
      const r = await b(["run", "--rm", "--name", `cli${i}`, "--network", "firstnet", base, "grep", "-wc", "-e", "srv", "-e", "database", "-e", `cli${i}`, "/etc/hosts"]);
      assertEquals(r.stdout, "2\n", `srv (with its alias) and cli${i} are in /etc/hosts from the start`);
    }
    assertEquals((await b(["run", "--rm", "--network", "firstnet", base, "ping", "-c1", "-W2", "database"])).code, 0);
  } finally {
    await berth(root, ["rm", "-f", "srv"]);
    await berth(root, ["network", "rm", "firstnet"]);
  }
});

Deno.test("-it when stdin is not a terminal: 'the input device is not a TTY', exit 1, at once", PROC, async () => {
  const { base } = await runImages();
  const t0 = Date.now();
  const r = await b(["run", "-it", "--rm", base, "sh"], 1);
  assertEquals(r.stderr, "berth: the input device is not a TTY\n");
  assert(Date.now() - t0 < 5000, "at once");
  await b(["run", "-d", "--name", "notty", base, "sleep", "60"]);
  await b(["create", "-it", "--name", "notty2", base, "sh"]);
  try {
    assertEquals((await b(["exec", "-it", "notty", "sh"], 1)).stderr, "berth: the input device is not a TTY\n");
    assertEquals((await b(["start", "-ai", "notty2"], 1)).stderr, "berth: the input device is not a TTY\n");
  } finally {
    await b(["rm", "-f", "notty", "notty2"]);
  }
});

Deno.test("login: the interactive password prompt does not echo what is typed", PROC, async () => {
  const root = await tempRoot();
  try {
    // script gives berth a terminal; what berth's terminal shows comes back on script's stdout. The
    // password is typed once the prompt is up (cooked mode would echo anything typed before it).
    const r = await new Deno.Command("sh", {
      args: ["-c", `(sleep 2; printf 'hunter2-secret\\r') | script -qec "$0 --root $1 login -u me 127.0.0.1:1" /dev/null`, BERTH, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const screen = new TextDecoder().decode(r.stdout);
    assertMatch(screen, /Password: /);
    assertNotMatch(screen, /hunter2/);
    assertMatch(screen, /cannot reach registry|login 127\.0\.0\.1:1/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("output cut short by its reader ends quietly (no 'Broken pipe')", PROC, async () => {
  const { root } = await runImages();
  for (const cmd of ["images", "ps -a", "--help", "network ls"]) {
    const r = await new Deno.Command("sh", {
      args: ["-c", `"$0" --root "$1" ${cmd} | true; "$0" --root "$1" ${cmd} | head -c1 >/dev/null`, BERTH, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(new TextDecoder().decode(r.stderr), "", cmd);
  }
});
