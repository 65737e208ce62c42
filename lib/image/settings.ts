/** Per-root settings in `ROOT/config.json` (e.g. `{"insecureRegistries": ["myhost:5000"]}`). */
import { join } from "../util/path.ts";
import { readJsonSync } from "../util/atomic_write.ts";

export interface Settings {
  insecureRegistries?: string[];
}

export function readSettings(root: string): Settings {
  try {
    return readJsonSync<Settings>(join(root, "config.json"), {});
  } catch {
    return {};
  }
}
