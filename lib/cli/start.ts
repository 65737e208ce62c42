import { startContainer, startDetached } from "../../mod.ts";
import { getContainer } from "../container/lifecycle.ts";
import { updateRecord } from "../container/state.ts";
import { type Command, out, requireTerminal } from "./command.ts";
import { attachStarted, isTerminalSession, terminalSize } from "../container/terminal_session.ts";

export const startCommand: Command = {
  name: "start",
  summary: "Start one or more stopped containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  help: [
    "-a, --attach               attach to the container's output (and wait for it)",
    "-i, --interactive          attach the container's STDIN",
    "    --detach-keys string   the keys that detach from a -t container (default ctrl-p,ctrl-q)",
  ],
  options: { attach: { type: "boolean", short: "a" }, interactive: { type: "boolean", short: "i" }, "detach-keys": { type: "string" } },
  args: [1, Infinity],
  fastExit: true,
  async run(g, v, refs) {
    if (v.attach || v.interactive) {
      // attached: this process is the container's parent, as with a foreground `berth run`
      const rec = await getContainer(g.root, refs[0]);
      requireTerminal(!!v.interactive && rec.spec.tty);
      const session = { tty: rec.spec.tty, interactive: !!v.interactive && rec.spec.process.openStdin, logDriver: rec.spec.log?.driver };
      if (isTerminalSession(session)) {
        // as run -it: the supervisor runs it, this terminal attaches (Ctrl-P Ctrl-Q leaves it running);
        // a --rm container is removed by this process while attached (its exit code first)
        const id = rec.spec.id;
        const rm = rec.spec.autoRemove;
        if (rm) updateRecord(g.root, id, (r) => ({ spec: { ...r.spec, autoRemove: false }, state: r.state }));
        const since = Date.now();
        if (rec.state.status !== "running") await startDetached(g.root, id, terminalSize());
        return await attachStarted(g.root, id, { rm, detachKeys: v["detach-keys"] as string | undefined, since });
      }
      const c = await startContainer(refs[0], { root: g.root, attach: true, interactive: !!v.interactive });
      return (await c.status).exitCode;
    }
    for (const ref of refs) {
      const rec = await getContainer(g.root, ref);
      if (rec.state.status !== "running") await startDetached(g.root, rec.spec.id);
      out(ref);
    }
    return 0;
  },
};
