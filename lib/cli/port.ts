import { reconcile } from "../container/cleanup.ts";
import { findContainer } from "../container/state.ts";
import { BerthError, NotFoundError } from "../util/errors.ts";
import { type Command, out } from "./command.ts";

/** `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the host addresses a running container's ports are published on. */
export const portCommand: Command = {
  name: "port",
  summary: "List port mappings or a specific mapping for the container",
  usage: "CONTAINER [PRIVATE_PORT[/PROTO]]",
  options: {},
  args: [1, 2],
  async run(g, _v, [ref, which]) {
    await reconcile(g.root);
    const rec = findContainer(g.root, ref);
    if (!rec) throw new NotFoundError(`No such container: ${ref}`);
    // while it runs, the ports chosen at its start (-p 80 picks one); a stopped container has none
    const ports = rec.state.status === "running" ? rec.state.network?.ports ?? rec.state.ports ?? [] : [];
    const key = (p: { containerPort: number; protocol: string }) => `${p.containerPort}/${p.protocol}`;
    const addr = (p: { hostIp: string; hostPort: number }) => `${p.hostIp || "0.0.0.0"}:${p.hostPort}`;
    if (which) {
      const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(which);
      if (!m) throw new BerthError(`Invalid port: ${which}`);
      const wanted = `${m[1]}/${m[2] ?? "tcp"}`;
      const found = ports.filter((p) => key(p) === wanted);
      if (!found.length) throw new BerthError(`No public port '${wanted}' published for ${ref}`, 1);
      out(found.map(addr).join("\n"));
      return 0;
    }
    const sorted = [...ports].sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol));
    if (sorted.length) out(sorted.map((p) => `${key(p)} -> ${addr(p)}`).join("\n"));
    return 0;
  },
};
