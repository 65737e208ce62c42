/**
 * `/containers/{id}/exec` and `/exec/{id}/…`: exec instances as dockerd keeps them — made, then started
 * (attached through a hijacked connection, or detached), then inspected for their exit code.
 */
import { randomHexId } from "../util/random_id.ts";
import { execInContainer, type ExecProcess } from "../container/exec.ts";
import { getContainer } from "../container/lifecycle.ts";
import { BerthError } from "../util/errors.ts";

import { HttpError } from "./http/server.ts";
import type { Router } from "./router.ts";
import { stdcopyFrame } from "./stdcopy.ts";

interface ExecInstance {
  id: string;
  containerId: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  env?: string[];
  user?: string;
  workdir?: string;
  privileged: boolean;
  started: boolean;
  running: boolean;
  exitCode: number | null;
  pid: number;
  proc?: ExecProcess;
}

const randomId = randomHexId;

export function execRoutes(router: Router, root: string): void {
  const execs = new Map<string, ExecInstance>();

  router.add("POST", "/containers/{id}/exec", async (req, res, p) => {
    const rec = await getContainer(root, p.id);
    if (rec.state.status !== "running") throw new HttpError(409, `Container ${rec.spec.id} is not running`);
    if (rec.state.paused) throw new HttpError(409, `Container ${rec.spec.id} is paused, unpause the container before exec`);
    const b = await req.json();
    const cmd = b.Cmd;
    if (!Array.isArray(cmd) || !cmd.length || !cmd.every((c) => typeof c === "string")) throw new HttpError(400, "No exec command specified");
    const id = randomId();
    execs.set(id, {
      id,
      containerId: rec.spec.id,
      cmd: cmd as string[],
      tty: !!b.Tty,
      stdin: !!b.AttachStdin,
      stdout: !!b.AttachStdout,
      stderr: !!b.AttachStderr,
      env: Array.isArray(b.Env) ? b.Env as string[] : undefined,
      user: typeof b.User === "string" && b.User ? b.User : undefined,
      workdir: typeof b.WorkingDir === "string" && b.WorkingDir ? b.WorkingDir : undefined,
      privileged: !!b.Privileged,
      started: false,
      running: false,
      exitCode: null,
      pid: 0,
    });
    // a finished instance is forgotten after a while, as dockerd's are
    setTimeout(() => {
      const e = execs.get(id);
      if (e && !e.running) execs.delete(id);
    }, 10 * 60_000);
    await res.send(201, { Id: id });
  });

  const instance = (id: string) => {
    const e = execs.get(id);
    if (!e) throw new HttpError(404, `No such exec instance: ${id}`);
    return e;
  };

  router.add("POST", "/exec/{id}/start", async (req, res, p) => {
    const e = instance(p.id);
    if (e.started) throw new HttpError(409, `Exec ${e.id} has already been started`);
    const b = await req.json();
    const detach = !!b.Detach;
    e.started = true;
    let proc: ExecProcess;
    try {
      proc = await execInContainer(e.containerId, {
        root,
        command: e.cmd,
        tty: e.tty,
        interactive: e.stdin && !detach,
        env: e.env,
        user: e.user,
        workdir: e.workdir,
        privileged: e.privileged,
        ttyStreams: e.tty,
        stdio: detach
          ? { stdin: "null", stdout: "null", stderr: "null" }
          : { stdin: e.stdin ? "piped" : "null", stdout: e.stdout ? "piped" : "null", stderr: e.stderr ? "piped" : "null" },
      });
    } catch (err) {
      e.started = false;
      if (err instanceof BerthError && (err.exitCode === 126 || err.exitCode === 127)) {
        e.exitCode = err.exitCode;
        if (detach) return await res.send(200);
        // attached: the client reads the message from the stream and the code from inspect
        const conn = await res.hijack(/upgrade/i.test(req.headers.get("connection") ?? ""), e.tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream");
        const msg = new TextEncoder().encode(`${err.message}\r\n`);
        await conn.write(e.tty ? msg : stdcopyFrame(1, msg)).catch(() => {});
        conn.close();
        return;
      }
      throw err;
    }
    e.proc = proc;
    e.running = true;
    e.pid = proc.pid;
    const finished = proc.status.then((s) => {
      e.running = false;
      e.exitCode = s.exitCode;
    });
    if (detach) return await res.send(200);

    req.reader.idleMs = 0;
    const conn = await res.hijack(/upgrade/i.test(req.headers.get("connection") ?? ""), e.tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream");
    const write = async (bytes: Uint8Array) => {
      for (let o = 0; o < bytes.length;) o += await conn.write(bytes.subarray(o));
    };
    // the client's bytes (after any it sent with the request) are the process's stdin; its half-close is EOF
    const input = (async () => {
      const sink = proc.stdin?.getWriter();
      try {
        const early = req.reader.buffered;
        if (early.length) {
          const copy = early.slice();
          await req.reader.readSome(copy.length);
          if (sink) await sink.write(copy);
        }
        for (let c; (c = await req.reader.readSome(65536)) !== null;) if (sink) await sink.write(c);
      } catch { /* the client or the process went away */ }
      // a terminal stays open for the output; a pipe is closed: the process sees EOF
      if (sink && !e.tty) await sink.close().catch(() => {});
    })();
    const pump = async (stream: ReadableStream<Uint8Array> | null, n: 1 | 2) => {
      if (!stream) return;
      for await (const c of stream) await write(e.tty ? c : stdcopyFrame(n, c));
    };
    try {
      await Promise.all([pump(proc.stdout, 1), pump(proc.stderr, 2)]);
      await finished;
    } catch { /* the client left: the process goes on, as with dockerd */ } finally {
      try {
        conn.close();
      } catch { /* closed */ }
      void input;
    }
  });

  router.add("GET", "/exec/{id}/json", async (_req, res, p) => {
    const e = instance(p.id);
    await res.send(200, {
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: { tty: e.tty, entrypoint: e.cmd[0], arguments: e.cmd.slice(1), privileged: e.privileged, user: e.user ?? "" },
      OpenStdin: e.stdin,
      OpenStderr: e.stderr,
      OpenStdout: e.stdout,
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: "",
      Pid: e.pid,
    });
  });

  router.add("POST", "/exec/{id}/resize", async (req, res, p) => {
    const e = instance(p.id);
    const w = Number(req.query.get("w")), h = Number(req.query.get("h"));
    if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) throw new HttpError(400, "resize: h and w must be positive integers");
    e.proc?.resize?.(w, h);
    await res.send(200);
  });

}
