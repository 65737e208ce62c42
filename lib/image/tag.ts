/** `berth tag SOURCE TARGET`: another name for an image. */
import { BerthError } from "../util/errors.ts";
import { assignTag, requireImage } from "./image_lookup.ts";
import { formatReference, parseReference } from "./reference.ts";
import { Store } from "./store.ts";

export async function tagImage(root: string, source: string, target: string): Promise<string> {
  const ref = parseReference(target);
  if (ref.digest) throw new BerthError(`refusing to create a tag with a digest reference: ${target}`);
  const name = formatReference(ref);
  const store = new Store(root);
  store.init();
  await store.updateIndex((index) => assignTag(index, requireImage(index, source), name));
  return name;
}
