/**
 * `--init`: a small pid 1 that reaps orphaned processes and forwards signals to the command, as Docker's
 * docker-init (tini) does. It is berth's own 694-byte program (source: docker_init.s beside this file),
 * written into the container's directory and bind-mounted read-only at /sbin/docker-init, so the
 * container runs `/sbin/docker-init -- COMMAND…` as Docker's do.
 */
import { ELF_HEADERS_SIZE, PF_R, PF_X, writeElfHeaders } from "../runtime/elf.ts";

/** Where the init is in the container (Docker's path). */
export const DOCKER_INIT_PATH = "/sbin/docker-init";

/** The code of docker_init.s (`as`, `ld -N -Ttext=0x400078`, `objcopy -O binary -j .text`). */
export const DOCKER_INIT_CODE_HEX =
  "488b04244883f8030f82e20000004c8d6c24184c8d74c4104881eca000000048c70424ffffffffb80e000000bf0200000048" +
  "89e631d241ba080000000f05b8390000000f054885c00f84a90000000f889c0000004889c3b82101000048c7c7ffffffff48" +
  "89e6ba0800000041ba000008000f054989c731c04c89ff488d742410ba800000000f05483d8000000075e78b74241083fe11" +
  "7416817c24188000000074d4b83e0000004889df0f05ebc8b83d00000048c7c7ffffffff488d742408ba010000004531d20f" +
  "054885c07ea84839d875db8b44240889c783e77f740881c780000000eb030fb6fcb8e70000000f05bf7d000000ebf248c704" +
  "2400000000b80e000000bf020000004889e631d241ba080000000f0531ed498b7d004889fe8a0684c0742548ffc63c2f75f3" +
  "4c89ee4c89f2b83b0000000f054883f8f30f85bb000000ffc5e9b40000004c89f1488b314885f674184883c108813e504154" +
  "4875ec807e043d75e64883c605eb07488d35050100004989f74881ec801000004889e7488d942400100000418a0784c07413" +
  "49ffc73c3a74144839d773ed880748ffc7ebe641bc01000000eb034531e44839e77506c6072e48ffc7c6072f48ffc7498b75" +
  "00488d94247f1000004839d773298a06880748ffc648ffc784c075ed4889e74c89ee4c89f2b83b0000000f054883f8f37505" +
  "bd010000004585e47480b801000000bf02000000488d354d000000ba1c0000000f05498b75004889f2803a00740548ffc2eb" +
  "f64829f2b801000000bf020000000f05b801000000bf02000000488d3531000000ba010000000f05bf7f00000029efb8e700" +
  "00000f05646f636b65722d696e69743a2063616e6e6f742065786563757465200a2f7573722f6c6f63616c2f7362696e3a2f" +
  "7573722f6c6f63616c2f62696e3a2f7573722f7362696e3a2f7573722f62696e3a2f7362696e3a2f62696e00";

const LOAD_ADDRESS = 0x400000;

/** The init as an executable file. */
export function dockerInitExecutable(): Uint8Array {
  const code = Uint8Array.from(DOCKER_INIT_CODE_HEX.match(/../g)!.map((h) => parseInt(h, 16)));
  const file = new Uint8Array(ELF_HEADERS_SIZE + code.length);
  writeElfHeaders(file, LOAD_ADDRESS, LOAD_ADDRESS + ELF_HEADERS_SIZE, file.length, PF_R | PF_X);
  file.set(code, ELF_HEADERS_SIZE);
  return file;
}

/** The command line under the init. */
export function underInit(args: string[]): string[] {
  return [DOCKER_INIT_PATH, "--", ...args];
}

/** Writes the init into the container's directory (a new file each start: nothing a container changed is reused). */
export function writeDockerInit(dir: string): string {
  const path = `${dir}/docker-init`;
  const tmp = `${path}.tmp`;
  try {
    Deno.removeSync(tmp);
  } catch { /* none */ }
  Deno.writeFileSync(tmp, dockerInitExecutable(), { mode: 0o555, createNew: true });
  Deno.renameSync(tmp, path);
  return path;
}
