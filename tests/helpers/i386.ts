/**
 * A static i386 program of 107 bytes: unshare(CLONE_NEWUTS) through `int 0x80` (the i386 system call
 * number 310, not x86-64's 272), then exit(-result): its exit status is the errno (0 on success). A
 * seccomp filter that knew only the x86-64 numbers would let it through.
 *   mov eax,310 ; mov ebx,0x04000000 ; int 0x80 ; neg eax ; mov ebx,eax ; mov eax,1 ; int 0x80
 */
export function i386Unshare(): Uint8Array {
  const code = [0xb8, 0x36, 0x01, 0, 0, 0xbb, 0, 0, 0, 0x04, 0xcd, 0x80, 0xf7, 0xd8, 0x89, 0xc3, 0xb8, 1, 0, 0, 0, 0xcd, 0x80];
  const base = 0x08048000, entry = 52 + 32;
  const f = new Uint8Array(entry + code.length);
  const v = new DataView(f.buffer);
  f.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]); // ELF, 32-bit, little-endian
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true);
  v.setUint32(24, base + entry, true);
  v.setUint32(28, 52, true); // e_phoff
  v.setUint16(40, 52, true); // e_ehsize
  v.setUint16(42, 32, true); // e_phentsize
  v.setUint16(44, 1, true); // e_phnum
  v.setUint32(52, 1, true); // PT_LOAD of the whole file
  v.setUint32(60, base, true); // p_vaddr
  v.setUint32(64, base, true);
  v.setUint32(68, f.length, true); // p_filesz
  v.setUint32(72, f.length, true); // p_memsz
  v.setUint32(76, 5, true); // R+X
  v.setUint32(80, 0x1000, true);
  f.set(code, entry);
  return f;
}
