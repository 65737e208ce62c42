import { containerProcesses } from "../container/processes.ts";
import { getContainer } from "../container/lifecycle.ts";
import { BerthError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";
import { formatTable } from "./table.ts";

export const topCommand: Command = {
  name: "top",
  summary: "Display the running processes of a container",
  usage: "CONTAINER",
  options: {},
  args: [1, 1],
  async run(g, _v, [ref]) {
    const rec = await getContainer(g.root, ref);
    if (rec.state.status !== "running") throw new BerthError(`container ${rec.spec.id} is not running`);
    const rows = containerProcesses(rec.spec.id).map((r) => [r.uid, String(r.pid), r.ppid, r.time, r.cmd]);
    out(formatTable(["UID", "PID", "PPID", "TIME", "CMD"], rows));
    return 0;
  },
};
