import { commitContainer } from "../../mod.ts";
import { type Command, out } from "./command.ts";

export const commitCommand: Command = {
  name: "commit",
  summary: "Create a new image from a container's changes",
  usage: "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
  help: [
    "-a, --author string    author (e.g. \"Jane Doe <jane@example.com>\")",
    "-c, --change list      apply a Dockerfile instruction to the image (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL)",
    "-m, --message string   commit message",
    "    --no-pause         do not freeze a running container while committing",
  ],
  options: {
    author: { type: "string", short: "a" },
    change: { type: "string", short: "c", multiple: true },
    message: { type: "string", short: "m" },
    "no-pause": { type: "boolean" },
  },
  args: [1, 2],
  async run(g, v, [container, repository]) {
    const r = await commitContainer(g.root, container, {
      repository,
      author: v.author as string | undefined,
      message: v.message as string | undefined,
      changes: (v.change as string[] | undefined) ?? [],
      pause: !v["no-pause"],
    });
    out(r.id);
    return 0;
  },
};
