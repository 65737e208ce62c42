/**
 * OCI hooks: each hook's program with its args and env (nothing of the runtime's environment), the
 * container's state as JSON on its stdin, killed after its `timeout` seconds. A failed hook fails the
 * operation (poststop and poststart ones only warn, as the spec says).
 */
import { BerthError } from "../util/errors.ts";
import type { HookName, OciHook } from "./oci_config.ts";

export async function runHooks(name: HookName, hooks: OciHook[] | undefined, state: unknown): Promise<void> {
  for (const [i, h] of (hooks ?? []).entries()) {
    const child = new Deno.Command(h.path, {
      args: (h.args ?? [h.path]).slice(1),
      env: Object.fromEntries((h.env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
      clearEnv: true,
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    });
    let proc: Deno.ChildProcess;
    try {
      proc = child.spawn();
    } catch (err) {
      throw new BerthError(`${name} hook #${i} (${h.path}): ${(err as Error).message}`, 1);
    }
    const w = proc.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(state))).catch(() => {});
    await w.close().catch(() => {});
    let timedOut = false;
    const timer = h.timeout && h.timeout > 0
      ? setTimeout(() => {
        timedOut = true;
        try {
          proc.kill("SIGKILL");
        } catch { /* ended */ }
      }, h.timeout * 1000)
      : undefined;
    const out = await proc.output();
    clearTimeout(timer);
    if (timedOut) throw new BerthError(`${name} hook #${i} (${h.path}): timed out after ${h.timeout} s`, 1);
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim();
      throw new BerthError(`${name} hook #${i} (${h.path}): exit status ${out.code}${err ? `, stderr: ${err}` : ""}`, 1);
    }
  }
}
