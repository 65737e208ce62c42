/**
 * `POST /build` (the classic builder: a tar context, JSON progress ending in `Successfully built`),
 * `POST /images/{name}/push`, `POST /auth`. The context is unpacked with the same hostile-tar rules as a
 * layer (lib/image/layer_apply.ts) into ROOT/tmp, the Dockerfile read inside it, and `berth build` runs
 * as a child whose output is the client's stream.
 */
import { LayerApplier } from "../image/layer_apply.ts";
import { TarParser } from "../image/tar_reader.ts";
import { login, registryFromArg } from "../image/login.ts";
import { PASSED_AUTH_ENV } from "../image/auth_store.ts";
import { parseReference } from "../image/reference.ts";
import { readRegularInRoot, withRootFd } from "../container/path_in_root.ts";
import { messageOf } from "../util/errors.ts";
import { boolParam } from "./errors.ts";
import { HttpError, type Request } from "./http/server.ts";
import { clientGone } from "./http/request.ts";
import type { Router } from "./router.ts";
import { berthChild } from "./subprocess.ts";

/** The request body (a tar, maybe gzip'd) unpacked into `dir`. */
async function unpackContext(req: Request, dir: string): Promise<void> {
  const applier = new LayerApplier(dir);
  const parser = new TarParser(applier);
  let first = true;
  let gunzip: TransformStream<Uint8Array, Uint8Array> | undefined;
  let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  let piping: Promise<void> | undefined;
  for await (const chunk of req.body) {
    if (first) {
      first = false;
      if (chunk[0] === 0x1f && chunk[1] === 0x8b) {
        gunzip = new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;
        writer = gunzip.writable.getWriter();
        piping = (async () => {
          for await (const c of gunzip!.readable) parser.push(c);
        })();
      }
    }
    if (writer) await writer.write(chunk);
    else parser.push(chunk);
  }
  if (writer) {
    await writer.close();
    await piping;
  }
  parser.end();
  applier.finish();
}

type AuthConfig = { username?: string; password?: string; serveraddress?: string };

function base64Json(h: string | null): unknown {
  if (!h) return undefined;
  try {
    return JSON.parse(atob(h.replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return undefined;
  }
}

/** Docker's X-Registry-Auth (pull, push): base64url JSON of one AuthConfig. */
export function registryAuth(req: Request): AuthConfig | undefined {
  return base64Json(req.headers.get("x-registry-auth")) as AuthConfig | undefined;
}

/**
 * The client's credentials for `registry` as the environment of a berth child ({@link PASSED_AUTH_ENV}):
 * used for that job only, never stored (dockerd does not store them either; the docker CLI keeps its own).
 */
export function passedAuthEnv(configs: Record<string, AuthConfig | undefined>): Record<string, string> {
  const map: Record<string, { username: string; password: string }> = {};
  for (const [registry, c] of Object.entries(configs)) {
    if (c?.username && c.password) map[registryFromArg(c.serveraddress || registry)] = { username: c.username, password: c.password };
  }
  return Object.keys(map).length ? { [PASSED_AUTH_ENV]: JSON.stringify(map) } : {};
}

export function buildRoutes(router: Router, root: string): void {
  router.add("POST", "/build", async (req, res) => {
    const q = req.query;
    // named by this process, as the store's own temp dirs are: what a killed service leaves is cleaned by the next
    const tmp = Deno.makeTempDirSync({ dir: `${root}/tmp`, prefix: `${Deno.pid}-api-build-` });
    const ctx = `${tmp}/context`;
    Deno.mkdirSync(ctx);
    res.header("content-type", "application/json");
    try {
      try {
        await unpackContext(req, ctx);
      } catch (err) {
        // the client is still sending: read the rest (up to 1 GiB) so that it can read the answer
        let left = 1 << 30;
        for await (const c of req.body) if ((left -= c.length) < 0) break;
        throw new HttpError(400, `the build context is not a valid tar: ${messageOf(err)}`);
      }
      // the Dockerfile, read inside the context (a link in it cannot point berth at a host file)
      const name = q.get("dockerfile") || "Dockerfile";
      const text = withRootFd(ctx, (fd) => readRegularInRoot(fd, name));
      if (!text) throw new HttpError(400, `Cannot locate specified Dockerfile: ${name}`);
      Deno.writeFileSync(`${tmp}/Dockerfile`, text);
      const args = ["build", "-f", `${tmp}/Dockerfile`];
      for (const t of q.getAll("t")) args.push("-t", t);
      const buildArgs = q.get("buildargs");
      if (buildArgs) {
        let parsed: Record<string, string | null>;
        try {
          parsed = JSON.parse(buildArgs);
        } catch {
          throw new HttpError(400, "buildargs: not JSON");
        }
        for (const [k, v] of Object.entries(parsed)) if (v !== null) args.push("--build-arg", `${k}=${v}`);
      }
      if (q.get("target")) args.push("--target", q.get("target")!);
      const labels = q.get("labels");
      if (labels) {
        let parsed: Record<string, string>;
        try {
          parsed = JSON.parse(labels);
        } catch {
          throw new HttpError(400, "labels: not JSON");
        }
        for (const [k, v] of Object.entries(parsed ?? {})) args.push("--label", `${k}=${v}`);
      }
      if (boolParam(q, "pull")) args.push("--pull");
      if (boolParam(q, "nocache")) args.push("--no-cache");
      if (boolParam(q, "q")) args.push("-q");
      const net = q.get("networkmode");
      if (net && net !== "default") args.push("--network", net);
      args.push(ctx);
      await res.start(200);
      // X-Registry-Config: the client's credentials by registry, for FROM images
      const configs = (base64Json(req.headers.get("x-registry-config")) ?? {}) as Record<string, AuthConfig>;
      const child = berthChild(root, args, { env: passedAuthEnv(configs) });
      const gone = clientGone(req, res);
      gone.addEventListener("abort", () => child.kill());
      let id = "";
      for await (const { line } of child.lines) {
        const m = line.match(/^Successfully built ([0-9a-f]{12})/);
        if (m) id = m[1];
        await res.writeJson({ stream: `${line}\n` });
      }
      const status = await child.status;
      const err = child.lastError || "build failed";
      if (!status.success) await res.writeJson({ errorDetail: { code: status.code, message: err }, error: err });
      else if (id) await res.writeJson({ aux: { ID: `sha256:${id}` } });
    } finally {
      Deno.removeSync(tmp, { recursive: true });
    }
  });

  router.add("POST", "/images/{name*}/push", async (req, res, p) => {
    const tag = req.query.get("tag");
    const ref = tag ? `${p.name}:${tag}` : p.name;
    const env = passedAuthEnv({ [parseReference(ref).registry]: registryAuth(req) });
    res.header("content-type", "application/json");
    await res.start(200);
    await res.writeJson({ status: `The push refers to repository [${p.name}]` });
    const child = berthChild(root, ["push", ref], { env });
    clientGone(req, res).addEventListener("abort", () => child.kill());
    let digest = "", size = 0;
    for await (const { stream, line } of child.lines) {
      if (stream === "stderr" || !line.trim()) continue;
      const d = line.match(/digest: (sha256:[0-9a-f]{64}) size: (\d+)/);
      if (d) [digest, size] = [d[1], Number(d[2])];
      // a layer's line ("0123456789ab: Pushed") is that layer's progress message, as dockerd sends it
      const layer = line.trim().match(/^([0-9a-f]{12}): (.+)$/);
      await res.writeJson(layer ? { status: layer[2], progressDetail: {}, id: layer[1] } : { status: line.trim() });
    }
    const status = await child.status;
    const err = child.lastError || "push failed";
    if (!status.success) await res.writeJson({ errorDetail: { message: err }, error: err });
    else if (digest) await res.writeJson({ progressDetail: {}, aux: { Tag: tag ?? "latest", Digest: digest, Size: size } });
  });

  router.add("POST", "/auth", async (req, res) => {
    const b = await req.json<{ username?: string; password?: string; serveraddress?: string }>();
    if (!b.username || !b.password) throw new HttpError(400, "username and password are required");
    try {
      // checked, not stored: the docker CLI keeps the credentials it sends with each pull and push
      await login(registryFromArg(b.serveraddress), { root, username: b.username, password: b.password, store: false });
    } catch (err) {
      throw new HttpError(401, messageOf(err));
    }
    await res.send(200, { Status: "Login Succeeded", IdentityToken: "" });
  });
}
