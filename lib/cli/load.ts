import { loadImages } from "../../mod.ts";
import { familiarName } from "../image/reference.ts";
import { Progress } from "../image/progress.ts";
import { type Command, out } from "./command.ts";

/** Bars on a terminal; nothing but the "Loaded image" lines elsewhere, as `docker load` prints. */
const loadProgress = (quiet: boolean) => new Progress(!quiet && Deno.stdout.isTerminal() ? "tty" : "quiet");

export const loadCommand: Command = {
  name: "load",
  summary: "Load images from a docker-archive or oci-archive tar",
  usage: "[OPTIONS]",
  help: ["-i, --input FILE    read from FILE instead of stdin", "-q, --quiet         print nothing"],
  options: { input: { type: "string", short: "i" }, quiet: { type: "boolean", short: "q" } },
  args: [0, 0],
  async run(g, v) {
    const loaded = await loadImages({ root: g.root, input: v.input as string | undefined, progress: loadProgress(!!v.quiet) });
    if (!v.quiet) {
      for (const img of loaded) {
        out(img.tags.length ? img.tags.map((t) => `Loaded image: ${familiarName(t)}`).join("\n") : `Loaded image ID: ${img.id}`);
      }
    }
    return 0;
  },
};
