import { ociCreate } from "../../runtime/create.ts";
import { ociDelete, ociStart } from "../../runtime/operations.ts";
import { attachTty } from "../../container/tty.ts";
import type { RuncCommand } from "../command.ts";
import { BUNDLE_FLAGS, createOptions } from "./create.ts";

/** `run`: create and start; in the foreground, wait for the process, delete the container, exit with its code. */
export const runCommand: RuncCommand = {
  usage: "run [command options] <container-id>",
  flags: { ...BUNDLE_FLAGS, detach: { type: "bool", alias: ["d"] }, keep: { type: "bool" } },
  args: [1, 1],
  async run(g, f, [id]) {
    // in the foreground without a console socket, a terminal is relayed to this process's own stdio (as runc does)
    const relay = !f.detach && !f["console-socket"];
    const created = await ociCreate({ ...createOptions(g, f, id), reap: !f.detach, relayTerminal: relay });
    const attached = created.tty !== undefined ? attachTty({ master: created.tty }, true) : undefined;
    try {
      await ociStart(g.root, id);
    } catch (err) {
      attached?.restore();
      await ociDelete(g.root, id, true).catch(() => {});
      throw err;
    }
    if (f.detach) return 0;
    // the container's process is this process's child: its status is the exit code
    const fwd = (["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR2"] as Deno.Signal[]).map((sig) => {
      const fn = () => {
        try {
          Deno.kill(created.state.pid, sig);
        } catch { /* exited */ }
      };
      Deno.addSignalListener(sig, fn);
      return [sig, fn] as const;
    });
    const status = await created.exited;
    for (const [sig, fn] of fwd) Deno.removeSignalListener(sig, fn);
    if (attached) {
      // the rest of the output, until the pty reports that every follower end is closed
      await Promise.race([attached.done, new Promise((r) => setTimeout(r, 200))]);
      attached.restore(); // closes the leader end too
    }
    if (!f.keep) await ociDelete(g.root, id, true);
    return status.code;
  },
};
