/** `berth tag SOURCE TARGET`: another name for an image. */
import { BerthError } from "../util/errors.ts";
import { assignTag, requireImage } from "./image_lookup.ts";
import { familiarName, formatReference, parseReference } from "./reference.ts";
import { Store } from "./store.ts";

export async function tagImage(root: string, source: string, target: string): Promise<string> {
  const ref = parseReference(target);
  if (ref.digest) throw new BerthError(`refusing to create a tag with a digest reference: ${target}`);
  const name = formatReference(ref);
  const store = new Store(root);
  store.init();
  await store.updateIndex((index) => assignTag(index, requireImage(index, source), name));
  // as `berth images` shows it (busybox:1, not docker.io/library/busybox:1)
  return `${familiarName(`${ref.registry}/${ref.repository}`)}:${ref.tag ?? "latest"}`;
}
