/** The OCI image configuration (what `berth inspect IMAGE` shows), and its validation. */
import { BerthError } from "../util/errors.ts";

export interface ContainerConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, unknown>;
  Volumes?: Record<string, unknown>;
  Labels?: Record<string, string>;
  StopSignal?: string;
  [k: string]: unknown;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ContainerConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: HistoryEntry[];
  [k: string]: unknown;
}

/** Parses and checks a config blob; `layerCount` must match its diff_ids. */
export function parseImageConfig(bytes: Uint8Array, layerCount: number, what: string): ImageConfig {
  let cfg: ImageConfig;
  try {
    cfg = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new BerthError(`${what}: image config is not valid JSON`);
  }
  const ids = cfg?.rootfs?.diff_ids;
  if (!Array.isArray(ids) || ids.some((d) => typeof d !== "string" || !/^sha256:[a-f0-9]{64}$/.test(d))) {
    throw new BerthError(`${what}: image config has no valid rootfs.diff_ids`);
  }
  if (ids.length !== layerCount) {
    throw new BerthError(`${what}: manifest has ${layerCount} layers but config lists ${ids.length} diff_ids`);
  }
  return cfg;
}
