/**
 * The two path helpers berth needs. Not node:path: importing any `node:` module costs Deno ~8 ms of
 * start-up (measured: an empty program 22 ms, one importing node:path 31 ms), paid on every
 * `berth run`.
 */

/** Joins segments with "/" and normalises ".", ".." and repeated slashes (like node's path.join). */
export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  if (joined === "") return ".";
  const abs = joined.startsWith("/");
  const out: string[] = [];
  for (const c of joined.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!abs) out.push("..");
    } else out.push(c);
  }
  const s = (abs ? "/" : "") + out.join("/");
  return s === "" ? "." : s;
}

/** The directory part of `path` (like node's path.dirname). */
export function dirname(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return ".";
  if (i === 0) return "/";
  return trimmed.slice(0, i);
}
