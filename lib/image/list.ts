/** `berth images`: one summary per image tag (untagged images as `<none>`). */
import { familiarName } from "./reference.ts";
import { Store } from "./store.ts";

export interface ImageSummary {
  /** config digest */
  id: string;
  repository: string;
  tag: string;
  digest: string;
  created?: string;
  size: number;
}

export function listImages(root: string): ImageSummary[] {
  const index = new Store(root).readIndex();
  const rows: ImageSummary[] = [];
  for (const img of Object.values(index.images)) {
    const digest = img.repoDigests[0]?.split("@")[1] ?? "<none>";
    const base = { id: img.id, digest, created: img.created, size: img.size };
    if (img.repoTags.length === 0) rows.push({ ...base, repository: "<none>", tag: "<none>" });
    for (const t of img.repoTags) {
      const i = t.lastIndexOf(":");
      rows.push({ ...base, repository: familiarName(t.slice(0, i)), tag: t.slice(i + 1) });
    }
  }
  rows.sort((a, b) => (b.created ?? "").localeCompare(a.created ?? "") || a.repository.localeCompare(b.repository));
  return rows;
}
