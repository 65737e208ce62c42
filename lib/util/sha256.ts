/**
 * SHA-256 over a stream of chunks, on a helper thread where the host has libcrypto (see lib/ffi/libcrypto.ts),
 * else with node:crypto on the JS thread. Same digests either way.
 *
 * @example
 * ```ts
 * const h = await sha256Stream();
 * await h.update(new TextEncoder().encode("abc"));
 * console.log(await h.digest()); // sha256:ba7816bf…
 * ```
 */
import { loadLibcrypto } from "../ffi/libcrypto.ts";
import { nodeCrypto } from "./node_builtins.ts";

export interface StreamHasher {
  /**
   * Adds `chunk`; it must not change until the returned promise settles. Chunks are hashed in the order
   * given, whether or not the caller waits for each.
   */
  update(chunk: Uint8Array): Promise<void>;
  /** `sha256:<hex>` of everything added; the hasher is spent then. */
  digest(): Promise<string>;
  /** Frees the hasher without a digest (after a failure); waits for an update still running. */
  dispose(): Promise<void>;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

class NativeHasher implements StreamHasher {
  #ctx: Deno.PointerValue;
  /** the last update's completion: the next one starts after it */
  #tail: Promise<void> = Promise.resolve();
  #failed = false;

  constructor(private readonly lib: NonNullable<ReturnType<typeof loadLibcrypto>>) {
    this.#ctx = lib.EVP_MD_CTX_new();
    if (!this.#ctx || lib.EVP_DigestInit_ex(this.#ctx, lib.EVP_sha256(), null) !== 1) {
      if (this.#ctx) lib.EVP_MD_CTX_free(this.#ctx);
      throw new Error("libcrypto: cannot start a SHA-256");
    }
  }

  update(chunk: Uint8Array): Promise<void> {
    if (!this.#ctx) return Promise.reject(new Error("sha256: hasher already finished"));
    const ctx = this.#ctx;
    const run = async () => {
      if (chunk.length === 0) return;
      if (await this.lib.updateInBackground(ctx, chunk as Uint8Array<ArrayBuffer>, BigInt(chunk.length)) !== 1) {
        this.#failed = true;
      }
    };
    const p = this.#tail.then(run);
    this.#tail = p;
    return p;
  }

  async digest(): Promise<string> {
    await this.#tail;
    if (!this.#ctx) throw new Error("sha256: hasher already finished");
    const out = new Uint8Array(32);
    const ok = this.lib.EVP_DigestFinal_ex(this.#ctx, out, null) === 1;
    this.lib.EVP_MD_CTX_free(this.#ctx);
    this.#ctx = null;
    if (!ok || this.#failed) throw new Error("libcrypto: SHA-256 failed");
    return `sha256:${hex(out)}`;
  }

  async dispose(): Promise<void> {
    await this.#tail.catch(() => {});
    if (this.#ctx) this.lib.EVP_MD_CTX_free(this.#ctx);
    this.#ctx = null;
  }
}

class NodeHasher implements StreamHasher {
  #done = false;

  constructor(private readonly h: ReturnType<Awaited<ReturnType<typeof nodeCrypto>>["createHash"]>) {}

  update(chunk: Uint8Array): Promise<void> {
    if (this.#done) return Promise.reject(new Error("sha256: hasher already finished"));
    this.h.update(chunk);
    return Promise.resolve();
  }

  digest(): Promise<string> {
    if (this.#done) return Promise.reject(new Error("sha256: hasher already finished"));
    this.#done = true;
    return Promise.resolve(`sha256:${this.h.digest("hex")}`);
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

/** A stream hasher: native unless `native` is false (tests compare both). */
export async function sha256Stream(native = true): Promise<StreamHasher> {
  const lib = native ? loadLibcrypto() : null;
  if (lib) return new NativeHasher(lib);
  return new NodeHasher((await nodeCrypto()).createHash("sha256"));
}

/** `sha256:<hex>` of a small buffer (manifests, configs), on the JS thread. */
export async function sha256Of(bytes: Uint8Array): Promise<string> {
  const lib = loadLibcrypto();
  if (lib) {
    const ctx = lib.EVP_MD_CTX_new();
    try {
      const out = new Uint8Array(32);
      if (
        ctx && lib.EVP_DigestInit_ex(ctx, lib.EVP_sha256(), null) === 1 &&
        lib.EVP_DigestUpdate(ctx, bytes as Uint8Array<ArrayBuffer>, BigInt(bytes.length)) === 1 &&
        lib.EVP_DigestFinal_ex(ctx, out, null) === 1
      ) return `sha256:${hex(out)}`;
    } finally {
      if (ctx) lib.EVP_MD_CTX_free(ctx);
    }
  }
  return `sha256:${(await nodeCrypto()).createHash("sha256").update(bytes).digest("hex")}`;
}
