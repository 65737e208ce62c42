/**
 * A directory in overlayfs form (a container's upper dir: whiteouts as char 0:0, opaque dirs by
 * `trusted.overlay.opaque=y`) written as an OCI layer tar: `.wh.NAME` for a whiteout, `DIR/.wh..wh..opq`
 * for an opaque directory, everything else as it is (see flatten.ts's writeEntry).
 */
import { isOpaque, isWhiteout, writeEntry } from "./flatten.ts";
import type { TarWriter } from "./tar_writer.ts";

/** Writes `dir` as a layer; `skip` holds paths ("/etc/hosts") that are not the layer's content. */
export async function writeLayerFromDir(dir: string, w: TarWriter, skip: Set<string> = new Set()): Promise<void> {
  const links = new Map<string, string>();
  const walk = async (rel: string) => {
    const names = [...Deno.readDirSync(`${dir}${rel}`)].map((e) => e.name).sort();
    for (const name of names) {
      const path = `${dir}${rel}/${name}`;
      const entryName = `${rel}/${name}`.slice(1);
      if (skip.has(`${rel}/${name}`)) continue;
      const info = Deno.lstatSync(path);
      if (isWhiteout(info)) {
        await w.add({ name: rel ? `${rel.slice(1)}/.wh.${name}` : `.wh.${name}`, type: "file", mode: 0o644, size: 0, mtime: Math.floor((info.mtime?.getTime() ?? 0) / 1000) });
        continue;
      }
      const type = await writeEntry(w, path, info, entryName, links);
      if (type === "dir") {
        if (isOpaque(path)) await w.add({ name: `${entryName}/.wh..wh..opq`, type: "file", mode: 0o644, size: 0 });
        await walk(`${rel}/${name}`);
      }
    }
  };
  await walk("");
}
