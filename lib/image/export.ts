/** `berth export IMAGE`: the image's flattened filesystem as one tar. */
import { writeFlattened } from "./flatten.ts";
import { readImage } from "./inspect.ts";
import { writeTarArchive } from "./output_file.ts";
import { Store } from "./store.ts";

export async function exportImage(root: string, nameOrId: string, output?: string): Promise<void> {
  const { record } = readImage(root, nameOrId);
  const store = new Store(root);
  await writeTarArchive(output, `export ${nameOrId}`, (w) =>
    writeFlattened(record.layers.map((l) => store.layerPath(l.diffId)), w));
}
