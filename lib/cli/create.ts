import { createContainer } from "../../mod.ts";
import { type Command, out } from "./command.ts";
import { CREATE_HELP, CREATE_OPTIONS, toRunOptions } from "./run_options.ts";

export const createCommand: Command = {
  name: "create",
  summary: "Create a new container (start it with berth start)",
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  optionsFirst: true,
  engineErrorsExit125: true,
  help: CREATE_HELP,
  options: CREATE_OPTIONS,
  args: [1, Infinity],
  async run(g, v, [image, ...command]) {
    const spec = await createContainer(image, toRunOptions(g, v, command));
    out(spec.id);
    return 0;
  },
};
