/**
 * `--format` as Docker takes it: `json` (one object per line), `table` (the command's own table), `table
 * TEMPLATE` (a header from the fields the template names, then a row per item, aligned at the tabs), or a Go
 * template executed once per item ({@link ../util/go_template.ts}).
 *
 * @example
 * ```ts
 * out(renderFormat("{{.ID}} {{.Names}}", rows, PS_TITLES, () => defaultTable));
 * ```
 */
import { goString, parseTemplate, TemplateError } from "../util/go_template.ts";
import { BerthError } from "../util/errors.ts";

/** A header's words for a field: `CreatedAt` → `CREATED AT` unless the command names it otherwise. */
function title(field: string, titles: Record<string, string>): string {
  return titles[field] ?? field.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
}

/** Lines aligned at their tabs, as Go's tabwriter does for Docker (cells padded, three spaces apart). */
export function alignTabs(lines: string[]): string {
  const cells = lines.map((l) => l.split("\t"));
  const widths: number[] = [];
  for (const row of cells) row.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return cells.map((row) => row.map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i] + 3) : c)).join("")).join("\n");
}

function compile(src: string) {
  try {
    return parseTemplate(src);
  } catch (err) {
    if (err instanceof TemplateError) throw new BerthError(`template parsing error: ${err.message}`);
    throw err;
  }
}

function execute(t: ReturnType<typeof parseTemplate>, data: unknown): string {
  try {
    return t.execute(data);
  } catch (err) {
    if (err instanceof TemplateError) throw new BerthError(`executing the --format template: ${err.message}`);
    throw err;
  }
}

/** The items under `format`; `table` is the command's own table (`defaultTable`). */
export function renderFormat(format: string, items: unknown[], titles: Record<string, string>, defaultTable: () => string): string {
  if (format === "json") return items.map((i) => JSON.stringify(i)).join("\n");
  const table = /^table(\s|$)/.exec(format);
  if (table && !format.slice(5).trim()) return defaultTable();
  const src = table ? format.slice(6) : format;
  // Docker reads `\t` and `\n` typed in a shell's single quotes as the characters
  const t = compile(src.replace(/\\t/g, "\t").replace(/\\n/g, "\n"));
  const rows = items.map((i) => execute(t, i));
  if (!table) return rows.join("\n");
  // the header: the same template over an item whose every field is its title
  const header: unknown = new Proxy({}, {
    get: (_t, key) => (typeof key === "string" ? Object.assign(() => title(key, titles), { toString: () => title(key, titles) }) : undefined),
  });
  const head = goString(execute(t, header));
  return alignTabs([head, ...rows]);
}
