/**
 * `/containers/…`: the same engine functions the CLI calls (records, supervisor, logs), so a container
 * made through the API is listed by `berth ps` and the other way round.
 */
import { createContainer } from "../container/create.ts";
import { inspectRecord } from "../container/describe.ts";
import { containerSummaries } from "../container/summary.ts";
import { getContainer, killContainer, pauseContainer, removeContainer, renameContainer, stopContainer } from "../container/lifecycle.ts";
import { followLogs } from "../container/log_follow.ts";
import type { LogEntry } from "../container/logs.ts";
import { containerDir, pidAlive, readRecord } from "../container/state.ts";
import { openStdinWriter } from "../container/stdin_fifo.ts";
import { closeFd, writeAllAsync } from "../ffi/fd.ts";
import { reconcile } from "../container/cleanup.ts";
import { resizeDetached, startDetached } from "../container/supervisor_client.ts";
import type { ContainerRecord } from "../container/state.ts";
import { BerthError } from "../util/errors.ts";
import { createOptions, updateOptions } from "./create_options.ts";
import { updateContainer } from "../container/update.ts";
import { boolParam, filtersParam } from "./errors.ts";
import { HttpError, type Request } from "./http/server.ts";
import { clientGone } from "./http/request.ts";
import type { Router } from "./router.ts";
import { stdcopyFrame } from "./stdcopy.ts";
import { backoffMs, pollDelay } from "./poll.ts";

const enc = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 5;

async function container(root: string, ref: string): Promise<ContainerRecord> {
  return await getContainer(root, ref);
}

/** Waits until the container is no longer running (or restarting); its record, or undefined if removed. */
async function untilExited(root: string, id: string, signal?: AbortSignal): Promise<ContainerRecord | undefined> {
  const t0 = performance.now();
  for (;;) {
    const now = readRecord(root, id);
    if (!now) return undefined;
    if (now.state.status !== "running" && !now.state.restarting && now.state.status !== "created") return now;
    if (now.state.status === "running" && !pidAlive(now.state.monitorPid)) await reconcile(root);
    if (signal?.aborted) return now;
    await sleep(pollDelay(t0));
  }
}

export function containerRoutes(router: Router, root: string): void {
  // AutoRemove (`docker run --rm`) is the service's: it removes the container once it has exited and every
  // attached client has had its output (the supervisor would remove the log before a late reader saw it)
  const autoRemove = new Set<string>();
  const attached = new Map<string, number>();
  // how removed containers ended, for a `wait` that comes back after the removal (kept a minute)
  const ended = new Map<string, ContainerRecord>();
  const removeWhenDone = async (id: string) => {
    const last = await untilExited(root, id);
    if (last) {
      ended.set(id, last);
      setTimeout(() => ended.delete(id), 60_000);
    }
    for (let i = 0; i < 1000 && (attached.get(id) ?? 0) > 0; i++) await sleep(POLL_MS); // its last output, up to 5 s
    autoRemove.delete(id);
    await removeContainer(root, id, { force: true, volumes: true }).catch(() => {});
  };

  router.add("GET", "/containers/json", async (req, res) => {
    const limit = Number(req.query.get("limit") ?? -1);
    await res.send(200, await containerSummaries(root, { all: boolParam(req.query, "all"), filters: filtersParam(req.query), limit }));
  });

  router.add("POST", "/containers/create", async (req, res) => {
    const body = await req.json();
    const { image, opts } = createOptions(root, body, req.query.get("name") ?? undefined);
    const rm = opts.rm;
    opts.rm = false;
    try {
      const spec = await createContainer(image, opts);
      if (rm) autoRemove.add(spec.id);
      await res.send(201, { Id: spec.id, Warnings: [] });
    } catch (err) {
      if (err instanceof BerthError && /^No such image/.test(err.message)) throw new HttpError(404, `No such image: ${image}`);
      throw err;
    }
  });

  router.add("GET", "/containers/{id}/json", async (_req, res, p) => {
    await res.send(200, inspectRecord(root, await container(root, p.id)));
  });

  router.add("POST", "/containers/{id}/start", async (_req, res, p) => {
    const rec = await container(root, p.id);
    if (rec.state.status === "running") return await res.send(304);
    await startDetached(root, rec.spec.id);
    if (autoRemove.has(rec.spec.id)) removeWhenDone(rec.spec.id);
    await res.send(204);
  });

  router.add("POST", "/containers/{id}/stop", async (req, res, p) => {
    const rec = await container(root, p.id);
    if (rec.state.status !== "running") return await res.send(304);
    await stopContainer(root, rec.spec.id, req.query.get("t") !== null ? Number(req.query.get("t")) : undefined, req.query.get("signal") ?? undefined);
    await res.send(204);
  });

  router.add("POST", "/containers/{id}/restart", async (req, res, p) => {
    const rec = await container(root, p.id);
    if (rec.state.status === "running") await stopContainer(root, rec.spec.id, req.query.get("t") !== null ? Number(req.query.get("t")) : undefined, req.query.get("signal") ?? undefined);
    await startDetached(root, rec.spec.id);
    await res.send(204);
  });

  router.add("POST", "/containers/{id}/kill", async (req, res, p) => {
    const rec = await container(root, p.id);
    if (rec.state.status !== "running") throw new HttpError(409, `Container ${rec.spec.id} is not running`);
    await killContainer(root, rec.spec.id, req.query.get("signal") ?? "SIGKILL");
    await res.send(204);
  });

  router.add("POST", "/containers/{id}/pause", async (_req, res, p) => {
    pauseContainer(root, await container(root, p.id), true);
    await res.send(204);
  });
  router.add("POST", "/containers/{id}/unpause", async (_req, res, p) => {
    pauseContainer(root, await container(root, p.id), false);
    await res.send(204);
  });
  router.add("POST", "/containers/{id}/update", async (req, res, p) => {
    const upd = updateOptions(await req.json());
    await updateContainer(root, p.id, upd);
    await res.send(200, { Warnings: [] });
  });

  router.add("POST", "/containers/{id}/rename", async (req, res, p) => {
    const name = req.query.get("name");
    if (!name) throw new HttpError(400, "name is required");
    await renameContainer(root, p.id, name);
    await res.send(204);
  });

  // a detached container's terminal is the supervisor's: it sets the size
  router.add("POST", "/containers/{id}/resize", async (req, res, p) => {
    const rec = await container(root, p.id);
    const w = Number(req.query.get("w")), h = Number(req.query.get("h"));
    if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) throw new HttpError(400, "resize: h and w must be positive integers");
    if (rec.state.status === "running" && rec.spec.tty) await resizeDetached(root, rec.spec.id, w, h).catch(() => false);
    await res.send(200);
  });

  router.add("DELETE", "/containers/{id}", async (req, res, p) => {
    await removeContainer(root, p.id, { force: boolParam(req.query, "force"), volumes: boolParam(req.query, "v") });
    await res.send(204);
  });

  // wait: the headers go out at once (the client starts the container only after it has them)
  router.add("POST", "/containers/{id}/wait", async (req, res, p) => {
    const rec = await container(root, p.id);
    const condition = req.query.get("condition") ?? "not-running";
    res.header("content-type", "application/json");
    await res.start(200);
    const gone = clientGone(req, res);
    const startedAt = rec.state.startedAt;
    // "next-exit" and "removed" wait for a run that may not have begun yet
    const t0 = performance.now();
    if (condition !== "not-running" || rec.state.status === "created") {
      while (!gone.aborted) {
        const now = readRecord(root, rec.spec.id);
        if (!now) break;
        if (now.state.status === "running" || now.state.startedAt !== startedAt) break;
        await sleep(pollDelay(t0));
      }
    }
    let last = await untilExited(root, rec.spec.id, gone);
    if (gone.aborted) return;
    if (condition === "removed") {
      while (readRecord(root, rec.spec.id) && !gone.aborted) await sleep(POLL_MS);
    }
    last ??= ended.get(rec.spec.id) ?? rec;
    await res.writeJson({ StatusCode: last.state.exitCode ?? 0, Error: last.state.error ? { Message: last.state.error } : null });
  });

  router.add("GET", "/containers/{id}/logs", async (req, res, p) => {
    const rec = await container(root, p.id);
    const stdout = boolParam(req.query, "stdout"), stderr = boolParam(req.query, "stderr");
    if (!stdout && !stderr) throw new HttpError(400, "Bad parameters: you must choose at least one stream");
    const tailRaw = req.query.get("tail");
    const tail = !tailRaw || tailRaw === "all" ? undefined : Number(tailRaw);
    const timestamps = boolParam(req.query, "timestamps");
    const since = req.query.get("since");
    res.header("content-type", rec.spec.tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream");
    await res.start(200);
    const follow = boolParam(req.query, "follow");
    await followLogs(root, rec.spec.id, {
      follow,
      signal: follow ? clientGone(req, res) : undefined,
      tail,
      since: since && since !== "0" ? since : undefined,
      sink: (e) => writeEntry(res, e, rec.spec.tty, timestamps, stdout, stderr),
    });
  });

  // attach: the client's stdout/stderr from here on, through the container's log (stdin is not attached yet)
  router.add("POST", "/containers/{id}/attach", async (req, res, p) => {
    const rec = await container(root, p.id);
    const stdout = boolParam(req.query, "stdout"), stderr = boolParam(req.query, "stderr");
    const since = String(Date.now() / 1000 - 0.001);
    const upgrade = /upgrade/i.test(req.headers.get("connection") ?? "") && !!req.headers.get("upgrade");
    // the client's side is the container's stdin (with -t: its terminal's input) when it was made with -i;
    // the client's end of stream is a half-close — stdin's EOF — not a hang-up: a reset is, and so is a
    // failed write below. Opened before the client hears it is attached: it starts the container then,
    // and a container that opened its stdin with no writer left would read EOF at once.
    const stdinFd = boolParam(req.query, "stdin") && rec.spec.process.openStdin
      ? openStdinWriter(containerDir(root, rec.spec.id))
      : undefined;
    let conn: Deno.Conn;
    try {
      conn = await res.hijack(upgrade, rec.spec.tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream");
    } catch (err) {
      if (stdinFd !== undefined) closeFd(stdinFd);
      throw err;
    }
    req.reader.idleMs = 0;
    attached.set(rec.spec.id, (attached.get(rec.spec.id) ?? 0) + 1);
    const gone = new AbortController();
    (async () => {
      try {
        for (let c; (c = await req.reader.readSome(65536)) !== null;) {
          if (stdinFd !== undefined) await writeAllAsync(stdinFd, c as Uint8Array<ArrayBuffer>);
        }
      } catch {
        gone.abort();
      } finally {
        if (stdinFd !== undefined) {
          // the client may have sent all of stdin before the start: the FIFO's buffer lives only while an
          // end is open, so the last writer stays until the container holds the read end
          const t0 = performance.now();
          while (!gone.signal.aborted && readRecord(root, rec.spec.id)?.state.status === "created") await sleep(pollDelay(t0));
          closeFd(stdinFd);
        }
      }
    })();
    try {
      if (boolParam(req.query, "stream")) {
        // attached before the start: wait for the process, then follow its output until it ends
        const t0 = performance.now();
        while (!gone.signal.aborted) {
          const now = readRecord(root, rec.spec.id);
          if (!now || now.state.status !== "created") break;
          await sleep(pollDelay(t0));
        }
        await followLogs(root, rec.spec.id, {
          follow: true,
          pollMs: backoffMs,
          since,
          signal: gone.signal,
          sink: async (e) => {
            if ((e.stream === "stdout" && !stdout) || (e.stream === "stderr" && !stderr)) return;
            const bytes = enc.encode(e.log);
            try {
              await writeAll(conn, rec.spec.tty ? bytes : stdcopyFrame(e.stream === "stderr" ? 2 : 1, bytes));
            } catch {
              gone.abort(); // the client left
            }
          },
        });
      }
    } catch { /* the client went away */ } finally {
      attached.set(rec.spec.id, (attached.get(rec.spec.id) ?? 1) - 1);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  });
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let o = 0; o < bytes.length;) o += await conn.write(bytes.subarray(o));
}

async function writeEntry(res: { write(b: Uint8Array): Promise<void> }, e: LogEntry, tty: boolean, timestamps: boolean, stdout: boolean, stderr: boolean): Promise<void> {
  if ((e.stream === "stdout" && !stdout) || (e.stream === "stderr" && !stderr)) return;
  const bytes = enc.encode(timestamps ? `${e.time} ${e.log}` : e.log);
  await res.write(tty ? bytes : stdcopyFrame(e.stream === "stderr" ? 2 : 1, bytes));
}

export type { Request };
