/**
 * The user's subordinate ids (`/etc/subuid`, `/etc/subgid`: `NAME_OR_UID:START:COUNT`) and the maps of
 * berth's user namespace built from them: the user is root in it, their ranges are ids 1… after it.
 *
 * @example
 * ```ts
 * import { idMap, parseSubIds } from "./subid.ts";
 * const ranges = parseSubIds("me:100000:65536\n", "me", 1000);
 * console.log(idMap(1000, ranges)); // ["0", "1000", "1", "1", "100000", "65536"]
 * ```
 */
import { BerthError } from "../util/errors.ts";

export interface SubIdRange {
  start: number;
  count: number;
}

/** The ranges of `name` (or of its uid written as a number) in a subuid/subgid file's text. */
export function parseSubIds(text: string, name: string, id: number): SubIdRange[] {
  const out: SubIdRange[] = [];
  for (const line of text.split("\n")) {
    const [who, start, count] = line.trim().split(":");
    if (who !== name && who !== String(id)) continue;
    const s = Number(start), c = Number(count);
    if (Number.isSafeInteger(s) && Number.isSafeInteger(c) && s > 0 && c > 0) out.push({ start: s, count: c });
  }
  return out;
}

/** newuidmap's arguments after the pid: `0 ID 1`, then each range from container id 1 on. */
export function idMap(id: number, ranges: SubIdRange[]): string[] {
  const args = ["0", String(id), "1"];
  let next = 1;
  for (const r of ranges) {
    args.push(String(next), String(r.start), String(r.count));
    next += r.count;
  }
  return args;
}

/** The user's name from /etc/passwd (subuid files name users, mostly). */
export function userName(uid: number, passwd = readOr("/etc/passwd")): string | undefined {
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f.length >= 3 && Number(f[2]) === uid) return f[0];
  }
  return undefined;
}

/** The user's uid and gid ranges; a clear error that says what to add when either is missing. */
export function subIdsOf(uid: number): { uids: SubIdRange[]; gids: SubIdRange[]; name: string } {
  const name = userName(uid) ?? String(uid);
  const uids = parseSubIds(readOr("/etc/subuid"), name, uid);
  const gids = parseSubIds(readOr("/etc/subgid"), name, uid);
  for (const [file, list] of [["/etc/subuid", uids], ["/etc/subgid", gids]] as const) {
    if (!list.length) {
      throw new BerthError(
        `rootless: no subordinate ids for ${name} in ${file}: a container's users other than root need a range of ` +
          `their own; as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${name}`,
      );
    }
  }
  return { uids, gids, name };
}

function readOr(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}
