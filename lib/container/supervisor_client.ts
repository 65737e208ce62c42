/** Talking to the supervisor of detached containers, starting it when none runs for the root. */
import { BerthError, messageOf } from "../util/errors.ts";
import { selfCommand } from "./self_command.ts";
import { readLine, socketPath, type SupervisorReply, type SupervisorRequest } from "./supervisor.ts";

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
  let conn = await connect(root);
  if (!conn) {
    spawnSupervisor(root);
    for (let i = 0; i < 200 && !conn; i++) {
      await new Promise((r) => setTimeout(r, 25));
      conn = await connect(root);
    }
    if (!conn) throw new BerthError(`the supervisor for ${root} did not start (try: berth --root ${root} supervise)`);
  }
  try {
    await conn.write(new TextEncoder().encode(JSON.stringify(req) + "\n"));
    const line = await readLine(conn);
    if (!line.trim()) throw new BerthError("the supervisor closed the connection without an answer");
    return JSON.parse(line) as SupervisorReply;
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new BerthError(`supervisor: ${messageOf(err)}`);
  } finally {
    conn.close();
  }
}

/** Starts a detached container through the supervisor; returns the pid of its process. */
export async function startDetached(root: string, id: string): Promise<number> {
  const r = await askSupervisor(root, { op: "start", id });
  if (!r.ok) throw new BerthError(r.error ?? "start failed", r.exitCode ?? 125);
  return r.pid!;
}
