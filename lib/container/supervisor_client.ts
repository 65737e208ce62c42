/** Talking to the supervisor of detached containers, starting it when none runs for the root. */
import { BerthError, messageOf } from "../util/errors.ts";
import { selfCommand } from "./self_command.ts";
import { localSupervisor, readLine, socketPath, type SupervisorReply, type SupervisorRequest } from "./supervisor.ts";
import type { ConsoleSize } from "./launch.ts";

async function connect(root: string): Promise<Deno.UnixConn | undefined> {
  try {
    return await Deno.connect({ transport: "unix", path: socketPath(root) });
  } catch {
    return undefined;
  }
}

/** Starts `berth supervise` in its own session, detached from this process and its terminal. */
function spawnSupervisor(root: string): void {
  const [cmd, ...args] = selfCommand();
  const child = new Deno.Command(cmd, {
    args: [...args, "--root", root, "supervise"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  child.unref();
}

/** Sends one request; starts the supervisor first if it is not running. */
export async function askSupervisor(root: string, req: SupervisorRequest): Promise<SupervisorReply> {
  // a supervisor that was just leaving (idle) may close without answering: the request was not taken,
  // so it goes again, to the supervisor that serves the root now
  for (let attempt = 0;; attempt++) {
    const line = await exchange(root, req);
    if (line.trim()) return JSON.parse(line) as SupervisorReply;
    if (attempt >= 3) throw new BerthError("the supervisor closed the connection without an answer");
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function exchange(root: string, req: SupervisorRequest): Promise<string> {
  let conn = await connect(root);
  if (!conn) {
    spawnSupervisor(root);
    // a supervisor that is leaving holds the root's lock for a moment: the new one waits for it
    for (let i = 0; i < 600 && !conn; i++) {
      await new Promise((r) => setTimeout(r, 25));
      conn = await connect(root);
    }
    if (!conn) throw new BerthError(`the supervisor for ${root} did not start (try: berth --root ${root} supervise)`);
  }
  try {
    await conn.write(new TextEncoder().encode(JSON.stringify(req) + "\n"));
    return await readLine(conn);
  } catch (err) {
    if (err instanceof Deno.errors.ConnectionReset || err instanceof Deno.errors.BrokenPipe) return "";
    throw new BerthError(`supervisor: ${messageOf(err)}`);
  } finally {
    conn.close();
  }
}

/** Sets the terminal size of a detached -t container (its pty is the supervisor's); false when it has none. */
export async function resizeDetached(root: string, id: string, columns: number, rows: number): Promise<boolean> {
  const here = await localSupervisor(root);
  if (here) return here.resize(id, columns, rows);
  return (await askSupervisor(root, { op: "resize", id, columns, rows })).ok;
}

/** Starts a detached container through the supervisor (a -t one with `size`, if given); returns the pid of its process. */
export async function startDetached(root: string, id: string, size?: ConsoleSize): Promise<number> {
  // this process is the supervisor (the API service): no round trip through its own socket
  const here = await localSupervisor(root);
  if (here) return await here.start(id, false, size);
  const r = await askSupervisor(root, { op: "start", id, ...size });
  if (!r.ok) throw new BerthError(r.error ?? "start failed", r.exitCode ?? 125);
  return r.pid!;
}
