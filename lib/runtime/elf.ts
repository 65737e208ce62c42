/**
 * The header of a tiny static x86-64 Linux executable: one PT_LOAD segment mapping the whole file at a
 * fixed address, code right after the headers. Used for the init stub and the containers' `--init`.
 */

/** Bytes of the ELF header and its one program header: the code starts here. */
export const ELF_HEADERS_SIZE = 64 + 56;

/** PT_LOAD permissions */
export const PF_X = 1, PF_W = 2, PF_R = 4;

/**
 * Writes the headers into `file` (whose first {@link ELF_HEADERS_SIZE} bytes they take): the whole file
 * mapped at `loadAddress` with `memSize` bytes of memory (the rest zero-filled), entry at `entry`.
 */
export function writeElfHeaders(file: Uint8Array, loadAddress: number, entry: number, memSize: number, flags: number): void {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  file.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]); // ELF, 64-bit, little-endian, SysV
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 62, true); // EM_X86_64
  v.setUint32(20, 1, true); // EV_CURRENT
  v.setBigUint64(24, BigInt(entry), true); // e_entry
  v.setBigUint64(32, 64n, true); // e_phoff
  v.setUint16(52, 64, true); // e_ehsize
  v.setUint16(54, 56, true); // e_phentsize
  v.setUint16(56, 1, true); // e_phnum
  v.setUint32(64, 1, true); // PT_LOAD
  v.setUint32(68, flags, true);
  v.setBigUint64(72, 0n, true); // p_offset
  v.setBigUint64(80, BigInt(loadAddress), true); // p_vaddr
  v.setBigUint64(88, BigInt(loadAddress), true); // p_paddr
  v.setBigUint64(96, BigInt(file.length), true); // p_filesz
  v.setBigUint64(104, BigInt(memSize), true); // p_memsz
  v.setBigUint64(112, 0x1000n, true); // p_align
}
