/** `images --filter`: dangling, reference, label, before, since (the keys Docker users script with). */
import { NotFoundError } from "../util/errors.ts";
import { boolFilter, globMatches, labelMatches, parseFilters } from "../util/filters.ts";
import { findImage } from "./image_lookup.ts";
import { parseReference, repoName } from "./reference.ts";
import type { ImageSummary } from "./list.ts";
import { Store } from "./store.ts";

export const IMAGE_FILTERS = ["dangling", "reference", "label", "before", "since"] as const;

/** A predicate over `images` rows for `raw` filters (values checked once, up front). */
export function imageMatcher(root: string, raw: string[] | undefined): (row: ImageSummary) => boolean {
  const f = parseFilters(raw, IMAGE_FILTERS);
  const store = new Store(root);
  const index = store.readIndex();
  const dangling = f.values.get("dangling")?.map((v) => boolFilter("dangling", v));
  const createdOf = (key: string) =>
    f.values.get(key)?.map((ref) => {
      const rec = findImage(index, ref);
      if (!rec) throw new NotFoundError(`No such image: ${ref}`);
      return rec.created ?? "";
    });
  const before = createdOf("before");
  const since = createdOf("since");
  const labels = new Map<string, Record<string, string> | undefined>();
  const labelsOf = (id: string) => {
    if (!labels.has(id)) {
      try {
        labels.set(id, JSON.parse(new TextDecoder().decode(store.readBlob(id)))?.config?.Labels);
      } catch {
        labels.set(id, undefined);
      }
    }
    return labels.get(id);
  };
  return (row) => {
    const isDangling = row.repository === "<none>";
    // the rows carry Docker's short names; a pattern may also use the full one
    const full = isDangling ? "" : repoName(parseReference(row.repository));
    const names = [row.repository, `${row.repository}:${row.tag}`, full, `${full}:${row.tag}`];
    return (!dangling || dangling.some((d) => d === isDangling)) &&
      f.match("reference", (v) => !isDangling && names.some((s) => globMatches(v, s))) &&
      f.matchAll("label", (v) => labelMatches(labelsOf(row.id), v)) &&
      (!before || before.every((c) => (row.created ?? "") < c)) &&
      (!since || since.every((c) => (row.created ?? "") > c));
  };
}
