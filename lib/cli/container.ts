import { type Command, commandGroup } from "./command.ts";
import { inspectCommand } from "./inspect.ts";

/** The top-level commands `berth container NAME` also reaches (`ls`/`list` are `ps`, `remove` is `rm`), as Docker's. */
export const CONTAINER_VERBS: Record<string, string> = {
  attach: "attach", commit: "commit", cp: "cp", create: "create", diff: "diff", exec: "exec", export: "export",
  kill: "kill", logs: "logs", ls: "ps", list: "ps", ps: "ps", pause: "pause", port: "port", prune: "prune",
  rename: "rename", restart: "restart", rm: "rm", remove: "rm", run: "run", start: "start", stats: "stats",
  stop: "stop", top: "top", unpause: "unpause", update: "update", wait: "wait",
};

/** `berth container …`: the container verbs under one name, with `inspect` for containers only. */
export function containerCommand(top: Record<string, Command>): Command {
  const subs: Record<string, Command> = {};
  for (const [verb, name] of Object.entries(CONTAINER_VERBS)) if (top[name]) subs[verb] = { ...top[name], name: `container ${verb}` };
  subs.inspect = { ...inspectCommand, name: "container inspect", run: (g, v, args) => inspectCommand.run(g, { ...v, type: "container" }, args) };
  const shown = Object.keys(subs).filter((v) => !["list", "ps", "remove"].includes(v)).sort();
  const width = Math.max(...shown.map((v) => v.length)) + 2;
  return commandGroup("container", "Manage containers", subs, shown.map((v) => `${v.padEnd(width)}${v === "ls" ? "List containers" : subs[v].summary}`));
}
