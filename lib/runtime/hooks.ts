/**
 * OCI hooks: each hook's program with its args and env (nothing of the runtime's environment), the
 * container's state as JSON on its stdin, killed after its `timeout` seconds. A failed hook fails the
 * operation (poststop and poststart ones only warn, as the spec says).
 */
import { BerthError } from "../util/errors.ts";
import type { HookName, OciHook } from "./oci_config.ts";
import { spawnWithStdio } from "../ffi/spawn_with_stdio.ts";

export async function runHooks(name: HookName, hooks: OciHook[] | undefined, state: unknown): Promise<void> {
  for (const [i, h] of (hooks ?? []).entries()) {
    let p: ReturnType<typeof spawnWithStdio>;
    try {
      // argv[0] as the hook says (dockerd's hook is its own binary called as "libnetwork-setkey")
      p = spawnWithStdio(h.path, h.args?.length ? h.args : [h.path], h.env ?? [], new TextEncoder().encode(JSON.stringify(state)));
    } catch (err) {
      throw new BerthError(`${name} hook #${i} (${h.path}): ${(err as Error).message}`, 1);
    }
    let timedOut = false;
    const timer = h.timeout && h.timeout > 0
      ? setTimeout(() => {
        timedOut = true;
        try {
          Deno.kill(p.pid, "SIGKILL");
        } catch { /* ended */ }
      }, h.timeout * 1000)
      : undefined;
    const [status, err] = await Promise.all([p.status, p.stderr]);
    clearTimeout(timer);
    if (timedOut) throw new BerthError(`${name} hook #${i} (${h.path}): timed out after ${h.timeout} s`, 1);
    if (status.code !== 0) {
      throw new BerthError(`${name} hook #${i} (${h.path}): exit status ${status.code}${err.trim() ? `, stderr: ${err.trim()}` : ""}`, 1);
    }
  }
}
