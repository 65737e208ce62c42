/**
 * Health checks (the image's HEALTHCHECK, or `--health-cmd` and friends), run by the supervisor for
 * the detached containers it watches, as Docker's daemon does: every interval the test runs inside
 * the container (as `berth exec` would), a run that exits non-zero or outlasts its timeout is a
 * failure, `retries` failures in a row make the container unhealthy (failures inside the start period
 * do not count), a success makes it healthy. `ps` shows "(healthy)", `inspect` State.Health.
 */
import { debug } from "../util/log.ts";
import { messageOf } from "../util/errors.ts";
import { execInContainer } from "./exec.ts";
import type { ContainerSpec } from "./spec.ts";
import { updateRecord } from "./state.ts";

/** As in the image config: durations in nanoseconds. */
export interface HealthcheckSpec {
  test: string[];
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  retries?: number;
}

export interface HealthState {
  status: "starting" | "healthy" | "unhealthy";
  failingStreak: number;
  log: Array<{ start: string; end: string; exitCode: number; output: string }>;
}

const NS_PER_MS = 1e6;

/** The check from the image config's Healthcheck (Docker's shape), or undefined for none/NONE. */
export function healthcheckFromConfig(h: unknown): HealthcheckSpec | undefined {
  const c = h as { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number } | undefined;
  if (!c?.Test?.length || c.Test[0] === "NONE") return undefined;
  return { test: c.Test, interval: c.Interval, timeout: c.Timeout, startPeriod: c.StartPeriod, retries: c.Retries };
}

function command(test: string[]): string[] | undefined {
  if (test[0] === "CMD") return test.slice(1);
  if (test[0] === "CMD-SHELL") return ["/bin/sh", "-c", test.slice(1).join(" ")];
  return undefined;
}

async function once(root: string, id: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
  const p = await execInContainer(id, { root, command: cmd, stdio: { stdin: "null", stdout: "piped", stderr: "piped" } });
  const timer = setTimeout(() => {
    try {
      Deno.kill(p.pid, "SIGKILL");
    } catch { /* done */ }
  }, timeoutMs);
  try {
    const [out, err, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.status]);
    return { exitCode: status.exitCode, output: (out + err).slice(0, 4096) };
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the checks of a running container; returns the function that stops them. */
export function startHealthChecks(root: string, spec: ContainerSpec): () => void {
  const hc = spec.healthcheck;
  const cmd = hc && command(hc.test);
  if (!hc || !cmd) return () => {};
  const interval = (hc.interval || 30e9) / NS_PER_MS;
  const timeout = (hc.timeout || 30e9) / NS_PER_MS;
  const startPeriod = (hc.startPeriod ?? 0) / NS_PER_MS;
  const retries = hc.retries || 3;
  const began = Date.now();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const record = (fn: (h: HealthState) => HealthState) =>
    updateRecord(root, spec.id, (r) => (r.state.status === "running" ? { spec: r.spec, state: { ...r.state, health: fn(r.state.health ?? { status: "starting", failingStreak: 0, log: [] }) } } : undefined));
  record(() => ({ status: "starting", failingStreak: 0, log: [] }));
  const tick = async () => {
    if (stopped) return;
    const start = new Date().toISOString();
    let result: { exitCode: number; output: string };
    try {
      result = await once(root, spec.id, cmd, timeout);
    } catch (err) {
      result = { exitCode: -1, output: messageOf(err) };
    }
    if (stopped) return;
    const entry = { start, end: new Date().toISOString(), exitCode: result.exitCode, output: result.output };
    record((h) => {
      const ok = result.exitCode === 0;
      const counts = !ok && Date.now() - began >= startPeriod;
      const streak = ok ? 0 : counts ? h.failingStreak + 1 : h.failingStreak;
      const status = ok ? "healthy" : streak >= retries ? "unhealthy" : h.status;
      return { status, failingStreak: streak, log: [...h.log, entry].slice(-5) };
    });
    debug(`health ${spec.id.slice(0, 12)}: exit ${result.exitCode}`);
    timer = setTimeout(tick, interval);
  };
  timer = setTimeout(tick, interval);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
