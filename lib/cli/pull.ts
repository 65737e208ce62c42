import { pull } from "../../mod.ts";
import { type Command, out } from "./command.ts";

export const pullCommand: Command = {
  name: "pull",
  summary: "Download an image from a registry",
  usage: "[OPTIONS] NAME[:TAG|@DIGEST]",
  help: [
    "--platform string   os/arch[/variant] to pull from a multi-platform index (default: the host's)",
    "-q, --quiet         print only the image digest",
  ],
  options: { platform: { type: "string" }, quiet: { type: "boolean", short: "q" } },
  args: [1, 1],
  async run(g, v, [name]) {
    const r = await pull(name, {
      root: g.root,
      platform: v.platform as string | undefined,
      quiet: !!v.quiet,
      insecureRegistries: g.insecureRegistries,
    });
    out(v.quiet ? r.digest : r.reference);
    return 0;
  },
};
