import { attachContainer } from "../container/attach.ts";
import { type Command } from "./command.ts";

export const attachCommand: Command = {
  name: "attach",
  summary: "Attach local standard input, output, and error streams to a running container",
  usage: "[OPTIONS] CONTAINER",
  help: [
    "    --detach-keys string   override the key sequence for detaching a container (default ctrl-p,ctrl-q)",
    "    --no-stdin             do not attach STDIN",
    "    --sig-proxy            proxy all received signals to the process (default true; not with -t)",
  ],
  options: { "detach-keys": { type: "string" }, "no-stdin": { type: "boolean" }, "sig-proxy": { type: "boolean" } },
  args: [1, 1],
  fastExit: true,
  async run(g, v, [ref]) {
    const r = await attachContainer(g.root, ref, {
      stdin: !v["no-stdin"],
      detachKeys: v["detach-keys"] as string | undefined,
      sigProxy: v["sig-proxy"] !== false,
    });
    return r.detached ? 0 : r.exitCode ?? 0;
  },
};
