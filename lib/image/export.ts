/** `berth export IMAGE`: the image's flattened filesystem as one tar. */
import { bufferedSink, writeFlattened } from "./flatten.ts";
import { readImage } from "./inspect.ts";
import { openArchiveOutput } from "./output_file.ts";
import { Store } from "./store.ts";
import { TarWriter } from "./tar_writer.ts";

export async function exportImage(root: string, nameOrId: string, output?: string): Promise<void> {
  const { record } = readImage(root, nameOrId);
  const store = new Store(root);
  const out = openArchiveOutput(output, `export ${nameOrId}`);
  try {
    const { sink, flush } = bufferedSink((b) => out.write(b));
    const w = new TarWriter(sink);
    await writeFlattened(record.layers.map((l) => store.layerPath(l.diffId)), w);
    await w.finish();
    await flush();
    await out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
}
