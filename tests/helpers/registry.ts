/**
 * Starts Debian's real `docker-registry` on a free loopback port for a test, optionally behind
 * htpasswd Basic auth or Bearer tokens from {@link startTokenServer}. `stop()` kills it and removes
 * its storage.
 */
import { join } from "node:path";

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  storage: string;
  stop(): Promise<void>;
}

export interface RegistryAuth {
  htpasswd?: { user: string; password: string };
  token?: { realm: string; service: string; issuer: string; certPath: string };
}

export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export async function startRegistry(auth: RegistryAuth = {}, wantPort?: number): Promise<TestRegistry> {
  const dir = await Deno.makeTempDir({ prefix: "berth-test-registry-" });
  const port = wantPort ?? freePort();
  let authYaml = "";
  if (auth.htpasswd) {
    const r = await new Deno.Command("htpasswd", {
      args: ["-Bbn", auth.htpasswd.user, auth.htpasswd.password],
      stdout: "piped",
    }).output();
    await Deno.writeFile(join(dir, "htpasswd"), r.stdout);
    authYaml = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${join(dir, "htpasswd")}\n`;
  } else if (auth.token) {
    const t = auth.token;
    authYaml = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n` +
      `    rootcertbundle: ${t.certPath}\n`;
  }
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, "data")}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${authYaml}`;
  await Deno.writeTextFile(join(dir, "config.yml"), config);
  const child = new Deno.Command("docker-registry", {
    args: ["serve", join(dir, "config.yml")],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0;; i++) {
    try {
      const r = await fetch(`${url}/v2/`);
      await r.body?.cancel();
      break;
    } catch {
      if (i > 100) {
        child.kill("SIGKILL");
        throw new Error("docker-registry did not start");
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    storage: join(dir, "data"),
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.stderr.cancel();
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Path of a blob's bytes inside the registry's storage (for corrupting it in tests). */
export function registryBlobPath(reg: TestRegistry, digest: string): string {
  const hex = digest.slice(7);
  return join(reg.storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}
