import { createVolume, inspectVolume, listVolumes, removeVolume, volumeUsers } from "../../mod.ts";
import { type Command, commandGroup, out } from "./command.ts";
import { formatTable } from "./table.ts";
import { renderFormat } from "./format.ts";
import { volumePruneCommand } from "./prune_commands.ts";
import { boolFilter, labelMatches, parseFilters } from "../util/filters.ts";
import { listRecords } from "../container/state.ts";
import { UsageError } from "../util/errors.ts";
import { LABEL_FILE_OPTION, labelOptions } from "./run_options.ts";
import { keyValues } from "./network.ts";

const create: Command = {
  name: "volume create",
  summary: "Create a volume",
  usage: "[OPTIONS] [VOLUME]",
  help: [
    "    --label list       set metadata on the volume (key=value)",
    "    --label-file list  read in a line delimited file of labels",
    "-o, --opt map          the local driver's options: type=tmpfs|nfs|ext4|…, device=…, o=MOUNT-OPTIONS",
    "                       (mounted when a container first uses it, until `volume rm`)",
  ],
  options: { label: { type: "string", multiple: true }, "label-file": LABEL_FILE_OPTION, opt: { type: "string", short: "o", multiple: true }, driver: { type: "string", short: "d" } },
  args: [0, 1],
  async run(g, v, [name]) {
    if (v.driver !== undefined && v.driver !== "local") throw new UsageError(`plugin "${v.driver}" not found: berth has the local volume driver only`);
    const labels = labelOptions(v) ?? {};
    const { volume } = await createVolume(g.root, name, labels, keyValues("--opt", (v.opt as string[] | undefined) ?? []));
    out(volume.Name);
    return 0;
  },
};

const ls: Command = {
  name: "volume ls",
  summary: "List volumes",
  usage: "[OPTIONS]",
  help: [
    "-q, --quiet         only display volume names",
    "    --format string json, table, table TEMPLATE, or a Go template per volume ({{.Name}} …)",
    "-f, --filter filter name=…, label=KEY[=VALUE], dangling=true|false, driver=local",
  ],
  options: { quiet: { type: "boolean", short: "q" }, format: { type: "string" }, filter: { type: "string", short: "f", multiple: true } },
  args: [0, 0],
  run(g, v) {
    const f = parseFilters(v.filter as string[] | undefined, ["name", "label", "dangling", "driver"]);
    const dangling = f.values.get("dangling")?.map((d) => boolFilter("dangling", d));
    const used = new Set(listRecords(g.root).flatMap((r) => r.spec.mounts.filter((m) => m.type === "volume").map((m) => m.source)));
    const vols = listVolumes(g.root).filter((x) =>
      f.match("name", (n) => x.Name.includes(n)) &&
      f.match("driver", (d) => x.Driver === d) &&
      f.matchAll("label", (l) => labelMatches(x.Labels, l)) &&
      (!dangling || dangling.some((d) => d === !used.has(x.Name)))
    );
    if (v.quiet) {
      if (vols.length) out(vols.map((x) => x.Name).join("\n"));
    } else if (v.format !== undefined) {
      const items = vols.map((x) => ({ ...x, Labels: Object.entries(x.Labels ?? {}).map(([k, l]) => `${k}=${l}`).join(","), Scope: "local" }));
      const text = v.format === "json"
        ? vols.map((x) => JSON.stringify(x)).join("\n")
        : renderFormat(v.format as string, items, { Name: "VOLUME NAME" }, () => formatTable(["DRIVER", "VOLUME NAME"], vols.map((x) => [x.Driver, x.Name])));
      if (text) out(text);
    } else out(formatTable(["DRIVER", "VOLUME NAME"], vols.map((x) => [x.Driver, x.Name])));
    return Promise.resolve(0);
  },
};

const inspect: Command = {
  name: "volume inspect",
  summary: "Display detailed information on one or more volumes",
  usage: "VOLUME [VOLUME...]",
  help: ["-f, --format string   a Go template per volume ({{.Mountpoint}} …)"],
  options: { format: { type: "string", short: "f" } },
  args: [1, Infinity],
  run(g, v, names) {
    const found = names.map((n) => inspectVolume(g.root, n));
    const json = () => JSON.stringify(found, null, 4);
    out(v.format !== undefined ? renderFormat(v.format as string, found, {}, json) : json());
    return Promise.resolve(0);
  },
};

const rm: Command = {
  name: "volume rm",
  summary: "Remove one or more volumes (not while a container uses them)",
  usage: "VOLUME [VOLUME...]",
  options: {},
  args: [1, Infinity],
  async run(g, _v, names) {
    for (const n of names) {
      await removeVolume(g.root, n, volumeUsers(g.root, n));
      out(n);
    }
    return 0;
  },
};

const subcommands: Record<string, Command> = { create, ls, list: ls, inspect, rm, remove: rm, prune: volumePruneCommand };

export const volumeCommand = commandGroup("volume", "Manage volumes", subcommands, ["create   Create a volume", "ls       List volumes", "inspect  Display detailed information on volumes", "rm       Remove volumes", "prune    Remove all volumes no container uses"]);
