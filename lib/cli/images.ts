import { listImages } from "../../mod.ts";
import { goTime, humanDuration, humanSize } from "../util/human.ts";
import { type Command, out } from "./command.ts";
import { formatTable } from "./table.ts";
import { renderFormat } from "./format.ts";
import { imageMatcher } from "../image/filter.ts";

export const imagesCommand: Command = {
  name: "images",
  summary: "List images",
  usage: "[OPTIONS] [REPOSITORY[:TAG]]",
  help: [
    "-a, --all           show all images (berth keeps no intermediate build images: the same list)",
    "-q, --quiet         only image IDs",
    "--digests           show digests",
    "--no-trunc          full IDs",
    "--format string     json, table, table TEMPLATE, or a Go template per image ({{.Repository}}:{{.Tag}} …)",
    "-f, --filter filter dangling=true|false, reference=GLOB, label=KEY[=VALUE], before=IMAGE, since=IMAGE",
  ],
  options: {
    all: { type: "boolean", short: "a" },
    quiet: { type: "boolean", short: "q" },
    digests: { type: "boolean" },
    "no-trunc": { type: "boolean" },
    format: { type: "string" },
    filter: { type: "string", short: "f", multiple: true },
  },
  args: [0, 1],
  run(g, v, [repo]) {
    // `images NAME[:TAG]` is a reference filter, as Docker's
    const filters = [...((v.filter as string[] | undefined) ?? []), ...(repo ? [`reference=${repo}`] : [])];
    const rows = listImages(g.root).filter(imageMatcher(g.root, filters));
    const id = (full: string) => (v["no-trunc"] ? full : full.slice(7, 19));
    if (v.quiet) {
      const ids = [...new Set(rows.map((r) => id(r.id)))];
      if (ids.length) out(ids.join("\n"));
      return Promise.resolve(0);
    }
    if (v.format === "json") {
      for (const r of rows) {
        out(JSON.stringify({
          ID: r.id,
          Repository: r.repository,
          Tag: r.tag,
          Digest: r.digest,
          CreatedAt: r.created ?? "",
          Size: r.size,
        }));
      }
      return Promise.resolve(0);
    }
    const now = Date.now();
    if (v.format !== undefined) {
      // Docker's fields for templates (`json` keeps berth's full-ID, byte-size form above)
      const items = rows.map((r) => ({
        Repository: r.repository,
        Tag: r.tag,
        ID: id(r.id),
        Digest: r.digest,
        CreatedSince: r.created ? `${humanDuration(now - Date.parse(r.created))} ago` : "N/A",
        CreatedAt: r.created ? goTime(r.created) : "",
        Size: humanSize(r.size),
        VirtualSize: humanSize(r.size),
        Containers: "N/A",
        SharedSize: "N/A",
        UniqueSize: "N/A",
      }));
      const text = renderFormat(v.format as string, items, { ID: "IMAGE ID", CreatedSince: "CREATED" }, () => imagesTable());
      if (text) out(text);
      return Promise.resolve(0);
    }
    out(imagesTable());
    return Promise.resolve(0);

    function imagesTable(): string {
    const header = ["REPOSITORY", "TAG", ...(v.digests ? ["DIGEST"] : []), "IMAGE ID", "CREATED", "SIZE"];
    const table = rows.map((r) => [
      r.repository,
      r.tag,
      ...(v.digests ? [r.digest] : []),
      id(r.id),
      r.created ? `${humanDuration(now - Date.parse(r.created))} ago` : "N/A",
      humanSize(r.size),
    ]);
    return formatTable(header, table);
    }
  },
};
