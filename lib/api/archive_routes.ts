/**
 * Files of a container: `archive` HEAD (a stat in `X-Docker-Container-Path-Stat`), GET (a tar, `docker cp
 * CTR:PATH`), PUT (a tar unpacked into a directory, `docker cp … CTR:PATH`), `export`, `changes`. The
 * copying is `berth cp` / `berth export` in a child, which resolves every path inside the container.
 */
import { diffContainer, statInContainer } from "../container/files.ts";
import { getContainer } from "../container/lifecycle.ts";
import { HttpError } from "./http/server.ts";
import { clientGone } from "./http/request.ts";
import type { Router } from "./router.ts";
import { berthChild } from "./subprocess.ts";
import { familiarName } from "../image/reference.ts";

/** Go's os.FileMode bits from a Linux st_mode: what the docker CLI reads the path's type from. */
function goFileMode(mode: number): number {
  const type = mode & 0o170000;
  let m = mode & 0o777;
  if (type === 0o040000) m |= 2 ** 31; // ModeDir
  if (type === 0o120000) m |= 2 ** 27; // ModeSymlink
  if (type === 0o010000) m |= 2 ** 25; // ModeNamedPipe
  if (type === 0o140000) m |= 2 ** 24; // ModeSocket
  if (type === 0o060000) m |= 2 ** 26; // ModeDevice
  if (type === 0o020000) m |= 2 ** 26 + 2 ** 21; // ModeDevice | ModeCharDevice
  if (mode & 0o4000) m |= 2 ** 23;
  if (mode & 0o2000) m |= 2 ** 22;
  if (mode & 0o1000) m |= 2 ** 20;
  return m >>> 0; // unsigned: bit 31 (ModeDir) made it negative
}

export function archiveRoutes(router: Router, root: string): void {
  const statHeader = async (ref: string, path: string) => {
    const st = await statInContainer(root, ref, path);
    if (!st) throw new HttpError(404, `Could not find the file ${path} in container ${ref}`);
    const json = JSON.stringify({ name: st.name, size: st.size, mode: goFileMode(st.mode), mtime: new Date(st.mtimeMs).toISOString(), linkTarget: st.linkTarget });
    return btoa(String.fromCharCode(...new TextEncoder().encode(json)));
  };
  const pathOf = (q: URLSearchParams) => {
    const path = q.get("path");
    if (!path) throw new HttpError(400, "path is required");
    return path;
  };

  router.add("HEAD", "/containers/{id}/archive", async (req, res, p) => {
    res.header("x-docker-container-path-stat", await statHeader(p.id, pathOf(req.query)));
    await res.send(200);
  });

  router.add("GET", "/containers/{id}/archive", async (req, res, p) => {
    const path = pathOf(req.query);
    res.header("x-docker-container-path-stat", await statHeader(p.id, path));
    res.header("content-type", "application/x-tar");
    await streamChild(req, res, root, ["cp", `${p.id}:${path}`, "-"]);
  });

  router.add("PUT", "/containers/{id}/archive", async (req, res, p) => {
    const path = pathOf(req.query);
    const st = await statInContainer(root, p.id, path);
    if (!st) throw new HttpError(404, `Could not find the file ${path} in container ${p.id}`);
    if ((st.mode & 0o170000) !== 0o040000) throw new HttpError(400, `extraction point is not a directory: ${path}`);
    const child = berthChild(root, ["cp", "-", `${p.id}:${path}`], { stdin: true });
    const w = child.stdin.getWriter();
    try {
      for await (const c of req.body) await w.write(c);
      await w.close();
    } catch {
      child.kill();
    }
    for await (const _ of child.lines) { /* the error is kept: lastError */ }
    if (!(await child.status).success) throw new HttpError(400, child.lastError || "copy failed");
    await res.send(200);
  });

  router.add("GET", "/containers/{id}/export", async (req, res, p) => {
    await getContainer(root, p.id);
    res.header("content-type", "application/x-tar");
    await streamChild(req, res, root, ["export", p.id]);
  });

  // docker save / docker load: `berth save` to the response, the request body to `berth load`
  router.add("GET", "/images/get", async (req, res) => {
    const names = req.query.getAll("names");
    if (!names.length) throw new HttpError(400, "names is required");
    res.header("content-type", "application/x-tar");
    await streamChild(req, res, root, ["save", ...names]);
  });
  router.add("GET", "/images/{name*}/get", async (req, res, p) => {
    res.header("content-type", "application/x-tar");
    await streamChild(req, res, root, ["save", p.name]);
  });
  router.add("POST", "/images/load", async (req, res) => {
    const child = berthChild(root, ["load"], { stdin: true });
    const w = child.stdin.getWriter();
    const feeding = (async () => {
      try {
        for await (const c of req.body) await w.write(c);
        await w.close();
      } catch {
        child.kill();
      }
    })();
    const out: string[] = [];
    for await (const { stream, line } of child.lines) if (stream === "stdout" && line) out.push(line);
    await feeding;
    if (!(await child.status).success) throw new HttpError(400, child.lastError || "load failed");
    res.header("content-type", "application/json");
    await res.start(200);
    // Docker names images as users type them: busybox:latest, not docker.io/library/busybox:latest
    for (const l of out) await res.writeJson({ stream: `${l.replace(/^(Loaded image: )(.*)$/, (_, a, n) => a + familiarName(n))}\n` });
  });

  router.add("GET", "/containers/{id}/changes", async (_req, res, p) => {
    const lines = await diffContainer(root, p.id);
    const kinds: Record<string, number> = { C: 0, A: 1, D: 2 };
    await res.send(200, lines.map((l) => ({ Path: l.slice(2), Kind: kinds[l[0]] ?? 0 })));
  });
}

/** The child's stdout as the response body (chunked); its failure before any byte is an error answer. */
async function streamChild(req: Parameters<typeof clientGone>[0], res: Parameters<typeof clientGone>[1] & {
  start(status?: number): Promise<void>;
  write(b: Uint8Array): Promise<void>;
}, root: string, args: string[]): Promise<void> {
  const child = berthChild(root, args, { raw: true });
  const reader = child.stdout.getReader();
  const first = await reader.read();
  if (first.done) {
    for await (const _ of child.lines) { /* the error is kept: lastError */ }
    const err = child.lastError;
    if (!(await child.status).success) throw new HttpError(/No such|Could not find/.test(err) ? 404 : 500, err || "failed");
  }
  await res.start(200);
  clientGone(req, res).addEventListener("abort", () => child.kill());
  if (!first.done) await res.write(first.value);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    await res.write(value);
  }
  for await (const _ of child.lines) { /* stderr */ }
  await child.status;
}
