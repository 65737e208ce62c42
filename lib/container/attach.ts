/**
 * `berth attach`: this terminal joins a detached container — its output from now on (through its log), its
 * stdin (the container's FIFO, when it was made with `-i`), the terminal's size (`-t`), and signals
 * (`--sig-proxy`, without `-t`). The detach keys (Ctrl-P Ctrl-Q) leave it running.
 *
 * @example
 * ```ts
 * const r = await attachContainer("/var/lib/berth", "web", { stdin: false });
 * console.log(r.detached ? "detached" : `exited ${r.exitCode}`);
 * ```
 */
import { BerthError } from "../util/errors.ts";
import { closeFd, writeAllAsync } from "../ffi/fd.ts";
import { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys } from "./detach_keys.ts";
import { getContainer, killContainer, waitContainer } from "./lifecycle.ts";
import { followLogs } from "./log_follow.ts";
import { containerDir } from "./state.ts";
import { openStdinWriter } from "./stdin_fifo.ts";
import { resizeDetached } from "./supervisor_client.ts";

export interface AttachOptions {
  /** attach stdin (when the container has it open); default true */
  stdin?: boolean;
  /** default "ctrl-p,ctrl-q" */
  detachKeys?: string;
  /** pass SIGINT, SIGTERM, … to the container (not with a terminal: its keys go through it); default true */
  sigProxy?: boolean;
  /** the output since this time (ms since the epoch; `run -it` and `start -ai`: since just before the start), not from now */
  outputSince?: number;
  /** how often the log is looked at (default 50 ms; a terminal session wants its echo sooner) */
  pollMs?: number;
}

const PROXIED: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

export async function attachContainer(root: string, ref: string, opts: AttachOptions = {}): Promise<{ detached: boolean; exitCode?: number }> {
  const rec = await getContainer(root, ref);
  const id = rec.spec.id;
  if (rec.state.status !== "running") throw new BerthError("You cannot attach to a stopped container, start it first");
  if (rec.state.paused) throw new BerthError("You cannot attach to a paused container, unpause it first");
  const scanner = new DetachScanner(parseDetachKeys(opts.detachKeys ?? DEFAULT_DETACH_KEYS));
  const tty = rec.spec.tty;
  const input = opts.stdin !== false && rec.spec.process.openStdin;
  let stdinFd = input ? openStdinWriter(containerDir(root, id)) : undefined;
  const stop = new AbortController();
  let detached = false;
  const raw = tty && input && Deno.stdin.isTerminal();
  const cleanups: Array<() => void> = [];
  try {
    if (raw) {
      Deno.stdin.setRaw(true, { cbreak: false });
      cleanups.push(() => Deno.stdin.setRaw(false));
    }
    if (tty && Deno.stdout.isTerminal()) {
      const follow = () => {
        const { columns, rows } = Deno.consoleSize();
        resizeDetached(root, id, columns, rows).catch(() => {});
      };
      follow();
      Deno.addSignalListener("SIGWINCH", follow);
      cleanups.push(() => Deno.removeSignalListener("SIGWINCH", follow));
    }
    if (!tty && opts.sigProxy !== false) {
      for (const sig of PROXIED) {
        const fn = () => void killContainer(root, id, sig).catch(() => {});
        Deno.addSignalListener(sig, fn);
        cleanups.push(() => Deno.removeSignalListener(sig, fn));
      }
    }
    if (stdinFd !== undefined) {
      const fd = stdinFd;
      (async () => {
        const buf = new Uint8Array(4096);
        for (;;) {
          const n = await Deno.stdin.read(buf);
          if (n === null || stop.signal.aborted) break;
          const { pass, detach } = scanner.push(buf.subarray(0, n));
          if (pass.length) await writeAllAsync(fd, pass);
          if (detach) {
            detached = true;
            stop.abort();
            return;
          }
        }
        // stdin's end is the container's (unless another client still writes)
        if (stdinFd !== undefined) closeFd(stdinFd);
        stdinFd = undefined;
      })().catch(() => {});
    }
    const since = (opts.outputSince ?? Date.now()) / 1000 - 0.001;
    await followLogs(root, id, { follow: true, since: String(since), signal: stop.signal, pollMs: opts.pollMs });
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        c();
      } catch { /* stdin gone */ }
    }
    if (stdinFd !== undefined) closeFd(stdinFd);
  }
  if (detached) return { detached };
  return { detached, exitCode: await waitContainer(root, id) };
}
