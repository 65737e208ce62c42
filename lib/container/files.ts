/**
 * Files of a container from the host: `cp` both ways (plain paths or a tar on stdin/stdout),
 * `export` (its whole filesystem as a tar) and `diff` (what its writable layer changed).
 * A running container is reached through /proc/PID/root (its volumes included); a stopped one through
 * a temporary mount of its rootfs. Container paths are resolved inside its root, so a symlink in the
 * container never leads berth to a host file.
 */
import { writeFlattened } from "../image/flatten.ts";
import { LayerApplier } from "../image/layer_apply.ts";
import { writeTarArchive } from "../image/output_file.ts";
import { TarParser } from "../image/tar_reader.ts";
import { BerthError } from "../util/errors.ts";
import { isDir, isSymlink, statLite } from "../ffi/sys.ts";
import { copyTree } from "./copy_tree.ts";
import { getContainer } from "./lifecycle.ts";
import { resolveInRoot } from "./path_in_root.ts";
import { mountRootfs, unmountRootfs } from "./rootfs.ts";
import type { ContainerRecord } from "./state.ts";
import { containerDir } from "./state.ts";
import * as libc from "../ffi/libc.ts";

/** Runs `fn` with a host path of the container's root filesystem. */
async function withRootfs<T>(root: string, rec: ContainerRecord, fn: (rootfs: string) => Promise<T>): Promise<T> {
  if (rec.state.status === "running" && rec.state.pid) return await fn(`/proc/${rec.state.pid}/root`);
  const dir = containerDir(root, rec.spec.id);
  const rootfs = mountRootfs(dir, rec.spec.layers);
  try {
    return await fn(rootfs);
  } finally {
    unmountRootfs(dir);
  }
}

const basename = (p: string) => p.replace(/\/+$/, "").split("/").pop() || "/";

/** `cp CONTAINER:SRC DEST` (DEST "-": a tar on stdout). */
export async function copyFromContainer(root: string, ref: string, src: string, dest: string): Promise<void> {
  const rec = await getContainer(root, ref);
  await withRootfs(root, rec, async (rootfs) => {
    const host = resolveInRoot(rootfs, src, false);
    const st = statLite(host, false);
    if (!st) throw new BerthError(`Could not find the file ${src} in container ${ref}`);
    if (dest === "-") {
      await writeTarArchive(undefined, `cp ${ref}:${src}`, async (w) => {
        const name = basename(src);
        if (isDir(st)) {
          await w.add({ name, type: "dir", mode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
          await writeFlattened([host], w, name);
        } else {
          const tmp = await Deno.makeTempDir({ prefix: "berth-cp-" });
          try {
            // one file: archive it from a directory holding just it (a hard link keeps it cheap)
            try {
              Deno.linkSync(host, `${tmp}/${name}`);
            } catch {
              Deno.copyFileSync(host, `${tmp}/${name}`);
            }
            await writeFlattened([tmp], w);
          } finally {
            Deno.removeSync(tmp, { recursive: true });
          }
        }
      });
      return;
    }
    const target = statLite(dest) && isDir(statLite(dest)) ? `${dest}/${basename(src)}` : dest;
    copyOut(host, target);
  });
}

function copyOut(src: string, dest: string): void {
  const st = statLite(src, false)!;
  if (isSymlink(st)) {
    Deno.symlinkSync(Deno.readLinkSync(src), dest);
  } else if (isDir(st)) {
    Deno.mkdirSync(dest, { recursive: true });
    copyTree(src, dest);
  } else {
    Deno.copyFileSync(src, dest);
    libc.chmod(dest, st.mode & 0o7777);
  }
}

/** `cp SRC CONTAINER:DEST` (SRC "-": a tar on stdin, extracted into DEST, which must be a directory). */
export async function copyToContainer(root: string, ref: string, src: string, dest: string): Promise<void> {
  const rec = await getContainer(root, ref);
  await withRootfs(root, rec, async (rootfs) => {
    const host = resolveInRoot(rootfs, dest);
    const st = statLite(host);
    if (src === "-") {
      if (!isDir(st)) throw new BerthError(`extraction point is not a directory: ${dest}`);
      const applier = new LayerApplier(host);
      const parser = new TarParser(applier);
      for await (const chunk of Deno.stdin.readable) parser.push(chunk);
      parser.end();
      applier.finish();
      return;
    }
    const sst = statLite(src, false);
    if (!sst) throw new BerthError(`stat ${src}: no such file or directory`);
    let target = host;
    if (isDir(st)) target = `${host}/${basename(src)}`;
    else {
      const parent = resolveInRoot(rootfs, dest.replace(/\/[^/]*\/?$/, "") || "/");
      if (!isDir(statLite(parent))) throw new BerthError(`no such directory: ${dest.replace(/\/[^/]*\/?$/, "") || "/"} in container ${ref}`);
      target = `${parent}/${basename(dest)}`;
    }
    // a symlink the container left where the copy goes is replaced, never followed out of the container
    if (isSymlink(statLite(target, false))) Deno.removeSync(target);
    copyOut(src, target);
  });
}

/** `export CONTAINER`: the container's filesystem (its image plus its changes) as one tar. */
export async function exportContainer(root: string, ref: string, output?: string): Promise<void> {
  const rec = await getContainer(root, ref);
  const upper = `${containerDir(root, rec.spec.id)}/upper`;
  const layers = statLite(upper) ? [...rec.spec.layers, upper] : rec.spec.layers;
  await writeTarArchive(output, `export ${ref}`, (w) => writeFlattened(layers, w));
}

/** Mount points berth makes in every container; not changes of the container's own. */
const MOUNT_POINTS = new Set(["/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/proc", "/sys", "/dev"]);

/** `diff CONTAINER`: `A` added, `C` changed, `D` deleted paths of its writable layer, sorted. */
export async function diffContainer(root: string, ref: string): Promise<string[]> {
  const rec = await getContainer(root, ref);
  const upper = `${containerDir(root, rec.spec.id)}/upper`;
  const lowers = [...rec.spec.layers].reverse();
  const inLower = (rel: string) => lowers.some((l) => statLite(`${l}${rel}`, false) !== null);
  const out: string[] = [];
  const walk = (rel: string): boolean => {
    let changed = false;
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(`${upper}${rel}`)];
    } catch {
      return false;
    }
    for (const e of entries) {
      const path = `${rel}/${e.name}`;
      if (MOUNT_POINTS.has(path)) continue;
      const st = statLite(`${upper}${path}`, false)!;
      const whiteout = (st.mode & 0o170000) === 0o020000 && st.size === 0 && isWhiteoutDevice(`${upper}${path}`);
      if (whiteout) {
        out.push(`D ${path}`);
        changed = true;
      } else if (isDir(st) && inLower(path)) {
        if (walk(path)) {
          out.push(`C ${path}`);
          changed = true;
        }
      } else {
        out.push(`${inLower(path) ? "C" : "A"} ${path}`);
        if (isDir(st)) walk(path);
        changed = true;
      }
    }
    return changed;
  };
  walk("");
  return out.sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
}

function isWhiteoutDevice(path: string): boolean {
  try {
    const i = Deno.lstatSync(path);
    return !!i.isCharDevice && (i.rdev ?? 0) === 0;
  } catch {
    return false;
  }
}
