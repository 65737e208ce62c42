/**
 * `run -it` and `start -ai` on a terminal, Docker's way: berth's supervisor runs the container and this
 * terminal attaches to it (./attach.ts), so the detach keys (Ctrl-P Ctrl-Q) leave it running. `--rm` is
 * this process's job while it is attached (the exit code and the last output come first); a detach
 * hands it to the supervisor.
 *
 * @example
 * ```ts
 * const code = await attachStarted("/var/lib/berth", id, { rm: true, since: Date.now() - 100 });
 * ```
 */
import { attachContainer } from "./attach.ts";
import { removeContainer } from "./lifecycle.ts";
import { readRecord, updateRecord } from "./state.ts";

/** This terminal's size, for the container's terminal from its start. */
export function terminalSize(): { columns: number; rows: number } | undefined {
  try {
    const { columns, rows } = Deno.consoleSize();
    return columns && rows ? { columns, rows } : undefined;
  } catch {
    return undefined; // stdout is not a terminal
  }
}

/** Whether a `run`/`start` with these options is a terminal session of that kind. */
export function isTerminalSession(o: { tty?: boolean; interactive?: boolean; logDriver?: string }): boolean {
  return !!o.tty && !!o.interactive && o.logDriver !== "none" && Deno.stdin.isTerminal();
}

/** Attaches this terminal to the container just started; its exit code, or 0 once detached. */
export async function attachStarted(root: string, id: string, opts: { rm?: boolean; detachKeys?: string; since: number }): Promise<number> {
  // the echo of what is typed comes back through the log: looked at every 10 ms
  const r = await attachContainer(root, id, { stdin: true, detachKeys: opts.detachKeys, outputSince: opts.since, pollMs: 10 });
  if (!r.detached) {
    if (opts.rm) await removeContainer(root, id, { force: true, volumes: true }).catch(() => {});
    return r.exitCode ?? 0;
  }
  if (opts.rm) {
    updateRecord(root, id, (rec) => ({ spec: { ...rec.spec, autoRemove: true }, state: rec.state }));
    // it ended meanwhile, before the supervisor could see --rm: removed here
    const now = readRecord(root, id);
    if (now && now.state.status !== "running" && !now.state.restarting) await removeContainer(root, id, { force: true, volumes: true }).catch(() => {});
  }
  return 0;
}
