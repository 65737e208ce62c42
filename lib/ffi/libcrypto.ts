/**
 * SHA-256 from the host's libcrypto (OpenSSL's EVP interface) through `Deno.dlopen`. Its update can run on a
 * helper thread (`nonblocking`), so a layer's two digests are computed beside its unpacking instead of on the
 * JS thread; node:crypto's hash runs on the JS thread, and importing it costs each isolate ~15 ms.
 * {@link loadLibcrypto} returns null where the host has no libcrypto; callers fall back to node:crypto.
 */

import { tryOpen } from "./zlib.ts";

const symbols = {
  EVP_MD_CTX_new: { parameters: [], result: "pointer" },
  EVP_MD_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_sha256: { parameters: [], result: "pointer" },
  EVP_DigestInit_ex: { parameters: ["pointer", "pointer", "pointer"], result: "i32" },
  EVP_DigestUpdate: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
  updateInBackground: { name: "EVP_DigestUpdate", parameters: ["pointer", "buffer", "usize"], result: "i32", nonblocking: true },
  EVP_DigestFinal_ex: { parameters: ["pointer", "buffer", "pointer"], result: "i32" },
} as const;

export type Libcrypto = Deno.DynamicLibrary<typeof symbols>["symbols"];

let lib: Libcrypto | null | undefined;

/** libcrypto 3 or 1.1, or null (loaded once per isolate). */
export function loadLibcrypto(): Libcrypto | null {
  if (lib === undefined) lib = tryOpen("libcrypto.so.3", symbols) ?? tryOpen("libcrypto.so.1.1", symbols);
  return lib;
}
