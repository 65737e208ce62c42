/**
 * The tags of a repository: in a registry (`GET /v2/NAME/tags/list`, followed through its `Link` pages) for
 * `pull --all-tags`, and in the store for `push --all-tags`.
 */
import { BerthError } from "../util/errors.ts";
import { readCapped } from "./blob_io.ts";
import { clientFor } from "./pull.ts";
import { parseReference, repoName } from "./reference.ts";
import { Store } from "./store.ts";

/** A page of tags is small JSON; a registry that sends more is refused. */
const MAX_PAGE_BYTES = 4 << 20;
/** Pages followed at most (a registry that links pages in a circle ends here). */
const MAX_PAGES = 100;

/** The repository's tags in its registry, sorted. `name` is a repository without tag or digest. */
export async function remoteTags(root: string, name: string, insecureRegistries?: string[]): Promise<string[]> {
  const ref = parseReference(name);
  const what = `list tags of ${repoName(ref)}`;
  const client = clientFor(root, ref.registry, insecureRegistries);
  const tags = new Set<string>();
  let path: string | undefined = `/v2/${ref.repository}/tags/list`;
  for (let page = 0; path && page < MAX_PAGES; page++) {
    const res = await client.request("GET", path, { scope: `repository:${ref.repository}:pull` });
    if (!res.ok) await client.fail(what, res);
    let body: { tags?: unknown };
    try {
      body = JSON.parse(new TextDecoder().decode(await readCapped(res, MAX_PAGE_BYTES, what)));
    } catch (err) {
      if (err instanceof BerthError) throw err;
      throw new BerthError(`${what}: the registry's answer is not JSON`);
    }
    for (const t of Array.isArray(body?.tags) ? body.tags : []) {
      if (typeof t === "string" && /^[\w][\w.-]{0,127}$/.test(t)) tags.add(t);
    }
    // `Link: </v2/NAME/tags/list?n=100&last=x>; rel="next"`: only a path on the same registry is followed
    const next = /<([^>]+)>;\s*rel="?next"?/.exec(res.headers.get("link") ?? "")?.[1];
    path = next?.startsWith(`/v2/${ref.repository}/tags/list`) ? next : undefined;
  }
  return [...tags].sort();
}

/** The store's tags of repository `name` (a full `registry/repository`), as references. */
export function localTags(root: string, name: string): string[] {
  const repo = repoName(parseReference(name));
  const out = new Set<string>();
  for (const img of Object.values(new Store(root).readIndex().images)) {
    for (const t of img.repoTags) if (t.slice(0, t.lastIndexOf(":")) === repo) out.add(t);
  }
  return [...out].sort();
}

/** `pull -a NAME` / `push -a NAME` take a repository only. */
export function checkRepositoryOnly(name: string, command: string): void {
  parseReference(name); // a malformed name fails as it would without -a
  if (name.includes("@") || name.split("/").pop()!.includes(":")) throw new BerthError(`${command}: tag can't be used with --all-tags/-a`);
}
