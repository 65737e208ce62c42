import { type Command, commandGroup } from "./command.ts";
import { imagesCommand } from "./images.ts";
import { inspectCommand } from "./inspect.ts";
import { historyCommand } from "./history.ts";
import { imagePruneCommand } from "./prune_commands.ts";

/** `berth image ls|rm|inspect|tag|history|prune|pull|push|save|load|build`: the image verbs under one name, as Docker's. */
export function imageCommand(top: Record<string, Command>): Command {
  const as = (name: string, c: Command | undefined): Command | undefined => c && { ...c, name: `image ${name}` };
  const inspect: Command = { ...inspectCommand, name: "image inspect", run: (g, v, args) => inspectCommand.run(g, { ...v, type: "image" }, args) };
  const subs: Record<string, Command | undefined> = {
    ls: as("ls", imagesCommand),
    list: as("ls", imagesCommand),
    rm: as("rm", top.rmi),
    remove: as("rm", top.rmi),
    inspect,
    tag: as("tag", top.tag),
    history: as("history", historyCommand),
    prune: imagePruneCommand,
    pull: as("pull", top.pull),
    push: as("push", top.push),
    save: as("save", top.save),
    load: as("load", top.load),
    build: as("build", top.build),
    import: undefined,
  };
  const defined = Object.fromEntries(Object.entries(subs).filter(([, c]) => c)) as Record<string, Command>;
  return commandGroup("image", "Manage images", defined, [
    "ls       List images",
    "rm       Remove images",
    "inspect  Display detailed information on images",
    "tag      Tag an image",
    "history  Show the history of an image",
    "prune    Remove unused images",
    "pull, push, save, load, build",
  ]);
}
