import { createContainer, run, startDetached } from "../../mod.ts";
import { followLogs } from "../container/log_follow.ts";
import { waitContainer } from "../container/lifecycle.ts";
import { attachStarted, isTerminalSession, terminalSize } from "../container/terminal_session.ts";
import type { Command } from "./command.ts";
import { out, requireTerminal } from "./command.ts";
import { CREATE_HELP, CREATE_OPTIONS, toRunOptions } from "./run_options.ts";

export const runCommand: Command = {
  name: "run",
  summary: "Create and run a new container from an image",
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  optionsFirst: true,
  engineErrorsExit125: true,
  fastExit: true,
  help: [
    "-d, --detach               run in the background and print the container ID",
    "    --detach-keys string   the keys that detach from a -it container (default ctrl-p,ctrl-q)",
    ...CREATE_HELP,
  ],
  options: { ...CREATE_OPTIONS, detach: { type: "boolean", short: "d" }, "detach-keys": { type: "string" } },
  args: [1, Infinity],
  async run(g, v, [image, ...command]) {
    const opts = toRunOptions(g, v, command);
    if (!v.detach) requireTerminal(!!v.tty && !!v.interactive);
    if (!v.detach && isTerminalSession(opts)) {
      // the supervisor runs it, this terminal attaches: Ctrl-P Ctrl-Q leaves it running
      const spec = await createContainer(image, { ...opts, rm: false, detach: true });
      const since = Date.now();
      await startDetached(g.root, spec.id, terminalSize());
      return await attachStarted(g.root, spec.id, { rm: opts.rm, detachKeys: v["detach-keys"] as string | undefined, since });
    }
    if (v.detach || (opts.restart && opts.restart !== "no")) {
      // the supervisor is the container's parent: it keeps logs, exit codes and restart policies
      const spec = await createContainer(image, { ...opts, detach: true });
      await startDetached(g.root, spec.id);
      if (v.detach) {
        out(spec.id);
        return 0;
      }
      if (spec.log.driver !== "none") await followLogs(g.root, spec.id, { follow: true });
      return await waitContainer(g.root, spec.id);
    }
    const c = await run(image, opts);
    return (await c.status).exitCode;
  },
};
