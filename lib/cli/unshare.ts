import { BerthError } from "../util/errors.ts";
import { rootlessUser } from "../rootless/paths.ts";
import type { Command } from "./command.ts";

/** `berth unshare [CMD…]`: a command (default: the user's shell) in berth's user and mount namespaces, as `podman unshare`. */
export const unshareCommand: Command = {
  name: "unshare",
  summary: "Run a command in berth's user namespace (an ordinary user's storage, as its root sees it)",
  usage: "[COMMAND [ARG...]]",
  optionsFirst: true,
  options: {},
  args: [0, Infinity],
  async run(_g, _v, command) {
    const argv = command.length ? command : [Deno.env.get("SHELL") || "/bin/sh"];
    const user = rootlessUser();
    const env: Record<string, string> = user ? { BERTH_ROOTLESS: `${user.uid}:${user.gid}` } : {};
    try {
      const child = new Deno.Command(argv[0], { args: argv.slice(1), env, stdin: "inherit", stdout: "inherit", stderr: "inherit" }).spawn();
      return (await child.status).code; // 128 + N when a signal ended it
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw new BerthError(`unshare: ${argv[0]}: command not found`, 127);
      throw err;
    }
  },
};
