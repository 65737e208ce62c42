/**
 * Issue 12 (in part): every container and every exec joins a new session keyring, so the keys of the
 * session that runs berth are not the container's. The host side puts a key in a session keyring of its
 * own (keyutils' `keyctl session`) and runs berth there; the container asks for the key with the host's
 * keyctl, bind-mounted in with its libraries.
 */
import { assertMatch } from "./helpers/assert.ts";
import { BERTH } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

// unconfined: Docker's seccomp profile refuses keyctl and request_key outright (checked below), which would
// hide whether the keyring itself is the container's own
const KEYCTL = ["--security-opt", "seccomp=unconfined", "-v", "/usr/bin/keyctl:/keyctl:ro", "-v", "/usr/lib:/usr/lib:ro", "-v", "/lib64:/lib64:ro", "-v", "/usr/lib:/lib:ro"];

async function inSession(script: string): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command("keyctl", {
    args: ["session", "-", "sh", "-c", `keyctl add user berth-test-secret hunter2 @s >/dev/null && ${script}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test("keyring: a container and an exec cannot reach the keys of berth's session", PROC, async () => {
  const { root, base } = await runImages();
  // the host's own process in that session finds the key (the fixture works)
  assertMatch((await inSession("keyctl request user berth-test-secret >/dev/null && echo found")).out, /^found$/m);
  const run = await inSession(`"${BERTH}" --root "${root}" run --rm --network none ${KEYCTL.join(" ")} ${base} /keyctl request user berth-test-secret`);
  assertMatch(run.out, /Required key not available/);
  const filtered = await inSession(`"${BERTH}" --root "${root}" run --rm --network none ${KEYCTL.slice(2).join(" ")} ${base} /keyctl request user berth-test-secret`);
  assertMatch(filtered.out, /Operation not permitted/);
  const id = await inSession(`"${BERTH}" --root "${root}" run -d --network none ${KEYCTL.join(" ")} ${base} sleep 60`);
  const ctr = id.out.match(/^[0-9a-f]{64}$/m)?.[0] ?? "";
  assertMatch(ctr, /^[0-9a-f]{64}$/);
  try {
    const ex = await inSession(`"${BERTH}" --root "${root}" exec ${ctr} /keyctl request user berth-test-secret`);
    assertMatch(ex.out, /Required key not available/);
  } finally {
    await new Deno.Command(BERTH, { args: ["--root", root, "rm", "-f", ctr], stdout: "null", stderr: "null" }).output();
  }
});
