/**
 * posix_spawn(3) and waitpid(2) through libc. glibc's posix_spawn starts the child with
 * clone(CLONE_VM|CLONE_VFORK) — no fork of V8's heap, so it works from Deno, where FFI fork() does
 * not — on the calling (JS) thread, so the child is born in that thread's namespaces. It is also
 * several milliseconds cheaper than Deno.Command's first spawn (which loads the streams machinery).
 * The child inherits berth's fds 0–2 and every fd not marked close-on-exec.
 */
import { cstr, ErrnoError, sysLib } from "./sys.ts";
import { closeFd } from "./fd.ts";
import { whenReadable } from "./poller.ts";

function pointerArray(items: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const a = new BigUint64Array(items.length + 1);
  items.forEach((b, i) => a[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b as Uint8Array<ArrayBuffer>))));
  return new Uint8Array(a.buffer);
}

/** Starts `path` with `argv` and `env`; returns its pid. */
export function spawnProcess(path: string, argv: string[], env: string[]): number {
  const args = argv.map(cstr);
  const envs = env.map(cstr);
  const pid = new Int32Array(1);
  const rc = sysLib().posix_spawn(new Uint8Array(pid.buffer), cstr(path), null, null, pointerArray(args), pointerArray(envs));
  if (rc !== 0) throw new ErrnoError("posix_spawn", rc, path);
  return pid[0];
}

export interface ExitStatus {
  /** exit code, or 128 + signal number when killed */
  code: number;
  signal: number | null;
}

/**
 * Waits for the child `pid` to exit and reaps it: its pidfd becomes readable in the shared poller
 * (./poller.ts), so a thousand children cost no more threads than one. Kernels without pidfd_open
 * (< 5.3) wait with waitpid on a helper thread.
 */
export async function waitProcess(pid: number): Promise<ExitStatus> {
  const status = new Int32Array(1);
  const statusBytes = new Uint8Array(status.buffer);
  const pidfd = Number(sysLib().syscall(434n /* pidfd_open */, BigInt(pid), 0n, 0n, 0n, 0n, 0n));
  if (pidfd >= 0) {
    try {
      await whenReadable(pidfd);
      const r = Number(sysLib().syscall(61n /* wait4 */, BigInt(pid), BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(statusBytes))), 0n, 0n, 0n, 0n));
      if (r !== pid) throw new Error(`wait4 ${pid} failed`);
    } finally {
      closeFd(pidfd);
    }
  } else {
    // errno belongs to the helper thread; the only expected failure is EINTR, so retry a while
    for (let attempt = 0;; attempt++) {
      const r = await sysLib().waitpid(pid, statusBytes, 0);
      if (r === pid) break;
      if (attempt > 100) throw new Error(`waitpid ${pid} keeps failing`);
    }
  }
  const s = status[0];
  const sig = s & 0x7f;
  if (sig === 0) return { code: (s >> 8) & 0xff, signal: null };
  return { code: 128 + sig, signal: sig };
}
