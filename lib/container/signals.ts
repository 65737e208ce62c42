/** Signal names and numbers (x86-64 Linux), as `kill -s`, STOPSIGNAL and exit codes (128+n) use them. */
import { UsageError } from "../util/errors.ts";

const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

export function signalNumber(sig: string): number {
  return SIGNALS[sig] ?? 0;
}

/** `TERM`, `SIGTERM`, `15` → Deno's name ("SIGTERM"); throws on an unknown signal. */
export function parseSignal(s: string): Deno.Signal {
  const upper = s.toUpperCase();
  if (/^\d+$/.test(s)) {
    const name = Object.entries(SIGNALS).find(([, n]) => n === Number(s))?.[0];
    if (name) return name as Deno.Signal;
  } else {
    const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
    if (SIGNALS[name]) return name as Deno.Signal;
  }
  throw new UsageError(`invalid signal: ${s}`);
}
