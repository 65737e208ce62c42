/**
 * `top CONTAINER [ps OPTIONS]`: the host's `ps` with the options given (Docker's default `-ef`), cut to the
 * container's processes — the rows whose PID column is one of its cgroup's pids, as dockerd does it.
 *
 * @example
 * ```ts
 * const { Titles, Processes } = await containerTop("/var/lib/berth", "web", ["-o", "pid,rss,comm"]);
 * ```
 */
import { BerthError } from "../util/errors.ts";
import { containerCgroup } from "./cgroups/cgroup.ts";
import { getContainer } from "./lifecycle.ts";

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** Splits ps's output into columns by its header (the last column, the command, keeps its spaces). */
export function parsePsOutput(text: string, pids: Set<number>): TopResult {
  const lines = text.split("\n").filter((l) => l.trim());
  if (!lines.length) throw new BerthError("ps printed nothing");
  const titles = lines[0].trim().split(/\s+/);
  const pidCol = titles.indexOf("PID");
  if (pidCol < 0) throw new BerthError(`Couldn't find PID field in ps output (the options must keep ps's PID column)`);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(" ")];
    if (pids.has(Number(row[pidCol]))) processes.push(row);
  }
  return { Titles: titles, Processes: processes };
}

export async function containerTop(root: string, ref: string, psArgs: string[] = ["-ef"]): Promise<TopResult> {
  const rec = await getContainer(root, ref);
  if (rec.state.status !== "running") throw new BerthError(`container ${rec.spec.id} is not running`, 1);
  const pids = new Set(containerCgroup(rec.spec.id).pids());
  let r: Deno.CommandOutput;
  try {
    r = await new Deno.Command("ps", { args: psArgs, stdout: "piped", stderr: "piped", stdin: "null" }).output();
  } catch {
    throw new BerthError("top: the host has no ps (procps)");
  }
  if (!r.success) throw new BerthError(`ps ${psArgs.join(" ")}: ${new TextDecoder().decode(r.stderr).trim().split("\n")[0]}`);
  return parsePsOutput(new TextDecoder().decode(r.stdout), pids);
}
