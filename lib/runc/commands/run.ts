import { ociCreate } from "../../runtime/create.ts";
import { ociDelete, ociStart } from "../../runtime/operations.ts";
import { BerthError } from "../../util/errors.ts";
import type { RuncCommand } from "../command.ts";
import { BUNDLE_FLAGS, createOptions } from "./create.ts";

/** `run`: create and start; in the foreground, wait for the process, delete the container, exit with its code. */
export const runCommand: RuncCommand = {
  usage: "run [command options] <container-id>",
  flags: { ...BUNDLE_FLAGS, detach: { type: "bool", alias: ["d"] }, keep: { type: "bool" } },
  args: [1, 1],
  async run(g, f, [id]) {
    const created = await ociCreate({ ...createOptions(g, f, id), reap: !f.detach }).catch((err) => {
      if (err instanceof BerthError && /cannot allocate tty/.test(err.message) && !f.detach) {
        throw new BerthError("run with process.terminal needs --console-socket (berth's runtime does not relay a terminal itself yet)", 1);
      }
      throw err;
    });
    try {
      await ociStart(g.root, id);
    } catch (err) {
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
    if (!f.keep) await ociDelete(g.root, id, true);
    return status.code;
  },
};
