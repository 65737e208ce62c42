/**
 * Container paths to host paths under the container's root directory, with every symlink on the way
 * resolved as the container would see it (`/` = the root), so that a hostile image cannot make berth
 * touch a host file through a link such as `/etc -> /host/etc` or `../../..`.
 */
import { BerthError } from "../util/errors.ts";
import { isDir, isSymlink, statLite } from "../ffi/sys.ts";

const MAX_LINKS = 40;

const lstatOrNull = (path: string) => statLite(path, false);

/**
 * The host path of `path` inside `root`. Symlinks are followed (the last one too unless
 * `followLast` is false); components that do not exist are kept as they are.
 */
export function resolveInRoot(root: string, path: string, followLast = true): string {
  const todo = path.split("/").filter((c) => c && c !== ".");
  const done: string[] = [];
  let links = 0;
  while (todo.length) {
    const c = todo.shift()!;
    if (c === "..") {
      done.pop();
      continue;
    }
    const host = `${root}/${[...done, c].join("/")}`;
    const st = (todo.length || followLast) ? lstatOrNull(host) : null;
    if (isSymlink(st)) {
      if (++links > MAX_LINKS) throw new BerthError(`too many levels of symbolic links in ${path}`);
      const target = Deno.readLinkSync(host);
      if (target.startsWith("/")) done.length = 0;
      todo.unshift(...target.split("/").filter((x) => x && x !== "."));
      continue;
    }
    done.push(c);
  }
  return done.length ? `${root}/${done.join("/")}` : root;
}

/** Creates `path` and its parents inside `root` (like `mkdir -p` in the container); returns the host path. */
export function mkdirInRoot(root: string, path: string, mode = 0o755): string {
  const parts = path.split("/").filter((c) => c && c !== ".");
  let cur = "";
  let host = root;
  for (const p of parts) {
    cur += "/" + p;
    host = resolveInRoot(root, cur);
    const st = lstatOrNull(host);
    if (!st) Deno.mkdirSync(host, { mode });
    else if (!isDir(st)) throw new BerthError(`${cur} is not a directory in the container`);
  }
  return host;
}

/** Makes sure a file exists at `path` inside `root` (a mount point for a file); returns the host path. */
export function touchInRoot(root: string, path: string): string {
  const i = path.lastIndexOf("/");
  const dir = i > 0 ? mkdirInRoot(root, path.slice(0, i)) : root;
  const host = resolveInRoot(root, path);
  if (!lstatOrNull(host)) {
    if (!host.startsWith(dir + "/")) throw new BerthError(`${path} leaves the container's root`);
    Deno.writeFileSync(host, new Uint8Array(), { mode: 0o644 });
  }
  return host;
}
