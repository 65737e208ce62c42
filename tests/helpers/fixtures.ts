/** Shared test fixtures: a registry per test and a busybox base layer built once per file. */
import { busyboxRootfs, tarDir } from "./images.ts";
import { startRegistry, type RegistryAuth, type TestRegistry } from "./registry.ts";
import { tempRoot } from "./berth.ts";

let busybox: Promise<Uint8Array> | undefined;

/** The busybox-static rootfs as a GNU tar layer. */
export function busyboxLayer(): Promise<Uint8Array> {
  busybox ??= (async () => {
    const d = await Deno.makeTempDir({ prefix: "berth-test-bb-" });
    try {
      await busyboxRootfs(d);
      return await tarDir(d, true);
    } finally {
      await Deno.remove(d, { recursive: true });
    }
  })();
  return busybox;
}

/** Runs `fn` with a fresh registry and berth root, removing both afterwards whatever happens. */
export async function withRegistry(
  fn: (reg: TestRegistry, root: string) => Promise<void>,
  auth?: RegistryAuth,
): Promise<void> {
  const reg = await startRegistry(auth);
  const root = await tempRoot();
  try {
    await fn(reg, root);
  } finally {
    await reg.stop();
    await Deno.remove(root, { recursive: true });
  }
}

/** Deno.test options for tests that spawn processes and servers. */
export const PROC = { sanitizeResources: false, sanitizeOps: false };
