import { pull } from "../../mod.ts";
import { type Command, out } from "./command.ts";
import { checkRepositoryOnly, remoteTags } from "../image/tags.ts";
import { familiarName, parseReference, repoName } from "../image/reference.ts";
import { BerthError } from "../util/errors.ts";

export const pullCommand: Command = {
  name: "pull",
  summary: "Download an image from a registry",
  usage: "[OPTIONS] NAME[:TAG|@DIGEST]",
  help: [
    "--platform string   os/arch[/variant] to pull from a multi-platform index (default: the host's)",
    "-q, --quiet         print only the image digest",
    "-a, --all-tags      download every tagged image in the repository",
  ],
  options: { platform: { type: "string" }, quiet: { type: "boolean", short: "q" }, "all-tags": { type: "boolean", short: "a" } },
  args: [1, 1],
  async run(g, v, [name]) {
    if (v["all-tags"]) {
      checkRepositoryOnly(name, "pull");
      const tags = await remoteTags(g.root, name, g.insecureRegistries);
      if (!tags.length) throw new BerthError(`pull ${name}: the repository has no tags`);
      for (const tag of tags) {
        const r = await pull(`${name}:${tag}`, { root: g.root, platform: v.platform as string | undefined, quiet: !!v.quiet, insecureRegistries: g.insecureRegistries });
        if (v.quiet) out(r.digest);
      }
      if (!v.quiet) out(familiarName(repoName(parseReference(name))));
      return 0;
    }
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
