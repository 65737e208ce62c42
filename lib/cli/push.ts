import { push } from "../../mod.ts";
import { type Command, out } from "./command.ts";
import { checkRepositoryOnly, localTags } from "../image/tags.ts";
import { BerthError } from "../util/errors.ts";

export const pushCommand: Command = {
  name: "push",
  summary: "Upload an image to a registry",
  usage: "[OPTIONS] NAME[:TAG]",
  help: ["-q, --quiet      print only the pushed manifest's digest", "-a, --all-tags   push every local tag of the repository"],
  options: { quiet: { type: "boolean", short: "q" }, "all-tags": { type: "boolean", short: "a" } },
  args: [1, 1],
  async run(g, v, [name]) {
    if (v["all-tags"]) {
      checkRepositoryOnly(name, "push");
      const tags = localTags(g.root, name);
      if (!tags.length) throw new BerthError(`push ${name}: An image does not exist locally with the tag: ${name}`);
      for (const t of tags) {
        const r = await push(t, { root: g.root, quiet: !!v.quiet, insecureRegistries: g.insecureRegistries });
        if (v.quiet) out(r.digest);
      }
      return 0;
    }
    const r = await push(name, { root: g.root, quiet: !!v.quiet, insecureRegistries: g.insecureRegistries });
    if (v.quiet) out(r.digest);
    return 0;
  },
};
