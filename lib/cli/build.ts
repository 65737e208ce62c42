import { build } from "../../mod.ts";
import { UsageError } from "../util/errors.ts";
import type { Command } from "./command.ts";
import { LABEL_FILE_OPTION, labelOptions } from "./run_options.ts";

export const buildCommand: Command = {
  name: "build",
  summary: "Build an image from a Dockerfile",
  usage: "[OPTIONS] PATH",
  help: [
    "-t, --tag list          name and optionally a tag (name:tag)",
    "-f, --file string       the Dockerfile (default: PATH/Dockerfile)",
    "    --build-arg list    set build-time variables (K=V, or K to take it from the environment)",
    "    --target string     the build stage to build",
    "    --no-cache          do not use the cache",
    "-q, --quiet             print only the image ID (RUN output only when a step fails)",
    "    --network string    the network of RUN steps (default: bridge; none, host, a network's name)",
    "    --label list        set metadata for an image (K=V)",
    "    --label-file list   read in a line delimited file of labels",
    "    --pull              always attempt to pull a newer version of the FROM images",
  ],
  options: {
    tag: { type: "string", short: "t", multiple: true },
    file: { type: "string", short: "f" },
    "build-arg": { type: "string", multiple: true },
    target: { type: "string" },
    "no-cache": { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
    network: { type: "string" },
    label: { type: "string", multiple: true },
    "label-file": LABEL_FILE_OPTION,
    pull: { type: "boolean" },
  },
  args: [1, 1],
  async run(g, v, [context]) {
    const buildArgs: Record<string, string> = {};
    for (const a of (v["build-arg"] as string[] | undefined) ?? []) {
      const i = a.indexOf("=");
      if (i === 0) throw new UsageError(`invalid --build-arg ${a}`);
      if (i < 0) {
        const host = Deno.env.get(a);
        if (host !== undefined) buildArgs[a] = host;
      } else buildArgs[a.slice(0, i)] = a.slice(i + 1);
    }
    await build({
      root: g.root,
      context,
      dockerfile: v.file as string | undefined,
      tags: (v.tag as string[] | undefined) ?? [],
      buildArgs,
      target: v.target as string | undefined,
      noCache: !!v["no-cache"],
      quiet: !!v.quiet,
      network: v.network as string | undefined,
      labels: labelOptions(v),
      pull: !!v.pull,
      announceContext: true,
      insecureRegistries: g.insecureRegistries,
    });
    return 0;
  },
};
