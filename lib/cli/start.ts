import { startContainer, startDetached } from "../../mod.ts";
import { getContainer } from "../container/lifecycle.ts";
import { type Command, out, requireTerminal } from "./command.ts";

export const startCommand: Command = {
  name: "start",
  summary: "Start one or more stopped containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  help: ["-a, --attach        attach to the container's output (and wait for it)", "-i, --interactive   attach the container's STDIN"],
  options: { attach: { type: "boolean", short: "a" }, interactive: { type: "boolean", short: "i" } },
  args: [1, Infinity],
  fastExit: true,
  async run(g, v, refs) {
    if (v.attach || v.interactive) {
      // attached: this process is the container's parent, as with a foreground `berth run`
      requireTerminal(!!v.interactive && (await getContainer(g.root, refs[0])).spec.tty);
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
