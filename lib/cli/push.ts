import { push } from "../../mod.ts";
import { type Command, out } from "./command.ts";

export const pushCommand: Command = {
  name: "push",
  summary: "Upload an image to a registry",
  usage: "[OPTIONS] NAME[:TAG]",
  help: ["-q, --quiet   print only the pushed manifest's digest"],
  options: { quiet: { type: "boolean", short: "q" } },
  args: [1, 1],
  async run(g, v, [name]) {
    const r = await push(name, { root: g.root, quiet: !!v.quiet, insecureRegistries: g.insecureRegistries });
    if (v.quiet) out(r.digest);
    return 0;
  },
};
