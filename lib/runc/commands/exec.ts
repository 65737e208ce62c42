import { ociExec } from "../../runtime/exec.ts";
import { type OciProcess, readBundle, validateConfig } from "../../runtime/oci_config.ts";
import { mustReadState } from "../../runtime/runtime_state.ts";
import { BerthError } from "../../util/errors.ts";
import type { RuncCommand } from "../command.ts";

/** `exec [--process FILE | options] ID [COMMAND ARGS…]` */
export const execCommand: RuncCommand = {
  usage: "exec [command options] <container-id> <command> [command options]  ||  -p process.json <container-id>",
  flags: {
    process: { type: "string", alias: ["p"] },
    detach: { type: "bool", alias: ["d"] },
    "pid-file": { type: "string" },
    "console-socket": { type: "string" },
    tty: { type: "bool", alias: ["t"] },
    cwd: { type: "string" },
    env: { type: "strings", alias: ["e"] },
    user: { type: "string", alias: ["u"] },
    "additional-gids": { type: "strings", alias: ["g"] },
    cap: { type: "strings", alias: ["c"] },
    "no-new-privs": { type: "bool" },
    "preserve-fds": { type: "int" },
    "process-label": { type: "string" },
    apparmor: { type: "string" },
    "ignore-paused": { type: "bool" },
  },
  args: [1, Infinity],
  async run(g, f, [id, ...command]) {
    let process: OciProcess;
    if (f.process) {
      let raw: unknown;
      try {
        raw = JSON.parse(Deno.readTextFileSync(f.process as string));
      } catch (err) {
        throw new BerthError(`process ${f.process}: ${(err as Error).message}`, 1);
      }
      // checked as a config's process
      process = validateConfig({ ociVersion: "1.0.2", process: raw }).process!;
    } else {
      if (!command.length) throw new BerthError("exec: no command (give one, or --process FILE)", 1);
      const base = readBundle(mustReadState(g.root, id).bundle).config.process!;
      const [uid, gid] = ((f.user as string | undefined) ?? `${base.user.uid}:${base.user.gid}`).split(":").map(Number);
      if (!Number.isInteger(uid) || (gid !== undefined && !Number.isInteger(gid))) throw new BerthError(`invalid --user ${f.user}: expected UID[:GID]`, 1);
      const caps = [...(base.capabilities?.bounding ?? []), ...((f.cap as string[] | undefined) ?? [])];
      process = {
        ...base,
        terminal: !!f.tty,
        args: command,
        cwd: (f.cwd as string | undefined) ?? base.cwd,
        env: [...(base.env ?? []), ...((f.env as string[] | undefined) ?? [])],
        user: { uid, gid: gid ?? base.user.gid, additionalGids: ((f["additional-gids"] as string[] | undefined) ?? []).map(Number) },
        capabilities: { ...base.capabilities, bounding: caps },
        noNewPrivileges: f["no-new-privs"] ? true : base.noNewPrivileges,
      };
    }
    const code = await ociExec({
      root: g.root,
      id,
      process,
      detach: !!f.detach,
      pidFile: f["pid-file"] as string | undefined,
      consoleSocket: f["console-socket"] as string | undefined,
      preserveFds: f["preserve-fds"] as number | undefined,
    });
    return code ?? 0;
  },
};
