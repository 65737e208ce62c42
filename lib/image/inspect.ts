/** `berth inspect IMAGE` and `berth history IMAGE`: the image config as Docker shows it. */
import { familiarName } from "./reference.ts";
import type { HistoryEntry, ImageConfig } from "./image_config.ts";
import { requireImage } from "./image_lookup.ts";
import { type ImageRecord, Store } from "./store.ts";

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created?: string;
  Author?: string;
  Architecture: string;
  Os: string;
  Variant?: string;
  Size: number;
  Config: ImageConfig["config"];
  RootFS: { Type: string; Layers: string[] };
  /** the raw OCI image configuration */
  ImageConfig: ImageConfig;
  Manifest: { Digest: string; MediaType: string };
}

/** The record and parsed config of one image. */
export function readImage(root: string, nameOrId: string): { record: ImageRecord; config: ImageConfig } {
  const store = new Store(root);
  const record = requireImage(store.readIndex(), nameOrId);
  const config = JSON.parse(new TextDecoder().decode(store.readBlob(record.id))) as ImageConfig;
  return { record, config };
}

export function inspectImage(root: string, nameOrId: string): ImageInspect {
  const { record, config } = readImage(root, nameOrId);
  return {
    Id: record.id,
    RepoTags: record.repoTags.map(familiarName),
    RepoDigests: record.repoDigests.map(familiarName),
    Created: config.created,
    Author: config.author,
    Architecture: config.architecture,
    Os: config.os,
    Variant: config.variant,
    Size: record.size,
    Config: config.config ?? {},
    RootFS: { Type: "layers", Layers: config.rootfs.diff_ids },
    ImageConfig: config,
    Manifest: { Digest: record.manifestDigest, MediaType: record.manifestMediaType },
  };
}

export interface HistoryRow {
  /** the image ID on the newest row, `<missing>` below it (as Docker prints) */
  id: string;
  created?: string;
  createdBy: string;
  /** uncompressed size of the layer the step made, 0 for empty layers */
  size: number;
  comment: string;
}

/** One row per history entry, newest first; layer sizes matched to non-empty entries. */
export function imageHistory(root: string, nameOrId: string): HistoryRow[] {
  const { record, config } = readImage(root, nameOrId);
  const entries: HistoryEntry[] = config.history?.length
    ? config.history
    : record.layers.map(() => ({ created: config.created, created_by: "" }));
  let layer = 0;
  const rows = entries.map((h) => {
    const size = h.empty_layer ? 0 : record.layers[layer++]?.unpackedSize ?? 0;
    return { id: "<missing>", created: h.created, createdBy: h.created_by ?? "", size, comment: h.comment ?? "" };
  });
  rows.reverse();
  if (rows.length) rows[0].id = record.id;
  return rows;
}
