import { readEnvFile } from "../container/process_spec.ts";
import { execInContainer } from "../../mod.ts";
import { type Command, requireTerminal } from "./command.ts";

const list = (v: unknown) => (v as string[] | undefined) ?? [];

export const execCommand: Command = {
  name: "exec",
  summary: "Run a command in a running container",
  usage: "[OPTIONS] CONTAINER COMMAND [ARG...]",
  optionsFirst: true,
  fastExit: true,
  help: [
    "-d, --detach          run the command in the background",
    "-i, --interactive     keep STDIN open",
    "-t, --tty             allocate a pseudo-TTY",
    "-e, --env list        set environment variables",
    "    --env-file list   read in a file of environment variables",
    "-u, --user string     username or UID (format: <name|uid>[:<group|gid>])",
    "-w, --workdir string  working directory inside the container",
    "    --privileged      give extended privileges to the command",
  ],
  options: {
    detach: { type: "boolean", short: "d" },
    interactive: { type: "boolean", short: "i" },
    tty: { type: "boolean", short: "t" },
    env: { type: "string", short: "e", multiple: true },
    "env-file": { type: "string", multiple: true },
    user: { type: "string", short: "u" },
    workdir: { type: "string", short: "w" },
    privileged: { type: "boolean" },
  },
  args: [2, Infinity],
  async run(g, v, [ref, ...command]) {
    if (!v.detach) requireTerminal(!!v.tty && !!v.interactive);
    const r = await execInContainer(ref, {
      root: g.root,
      command,
      detach: !!v.detach,
      interactive: !!v.interactive,
      tty: !!v.tty,
      // the files first, -e over them (Docker's order)
      env: [...list(v["env-file"]).flatMap(readEnvFile), ...list(v.env)],
      user: v.user as string | undefined,
      workdir: v.workdir as string | undefined,
      privileged: !!v.privileged,
    });
    if (v.detach) return 0;
    return (await r.status).exitCode;
  },
};
