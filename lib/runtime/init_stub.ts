/**
 * The container's first process: a 157-byte x86-64 Linux program ("the stub") that runs a list of
 * system calls embedded after it in its own file, the last of which is the `execve` of the
 * container's command.
 *
 * Why a stub: Deno is multithreaded, so berth cannot fork itself (FFI `fork()` crashes the child) nor
 * switch its own threads' users and capabilities for a child; a second Deno start as the container's
 * init costs ~20 ms; and `/proc` of a new PID namespace can only be mounted once a process lives in
 * it. The stub is that process. Everything it does is decided in TypeScript
 * ({@link ./init_program.ts}); the stub only executes it, so the container never runs berth's code or
 * sees berth's binary. It is written to a sealed memfd per container, so nothing can modify it.
 *
 * Its source (GNU as, Intel syntax; DATA = 0x400180, SCRATCH = DATA+8, RECORDS = DATA+24):
 * ```
 * _start: mov ebx, RECORDS ; xor r15d, r15d
 * next:   mov rax,[rbx] ; cmp rax,-1 ; jne 3f
 *         mov rbx,[rbx+8] ; jmp next                         # nr -1: continue at address a0
 * 3:      cmp rax,-2 ; jne 2f ; test r15,r15 ; jz ok          # nr -2: the same if the previous
 *         mov rbx,[rbx+8] ; jmp next                         #   result is not 0 (a fork's parent)
 * 2:      mov rdi,[rbx+8] ; mov rsi,[rbx+16] ; mov rdx,[rbx+24]
 *         mov r10,[rbx+32] ; mov r8,[rbx+40] ; mov r9,[rbx+48]
 *         test byte ptr [rbx+56],1 ; jz 1f ; mov rdi,r15     # flag 1: a0 = previous result
 * 1:      syscall ; mov r15,rax
 *         cmp rax,-4095 ; jb ok
 *         test byte ptr [rbx+56],2 ; jnz ok                  # flag 2: failure ignored
 *         neg rax ; mov [SCRATCH],rbx ; mov [SCRATCH+8],rax   # report {record address, errno}
 *         mov eax,1 ; mov rdi,[DATA] ; mov esi,SCRATCH ; mov edx,16 ; syscall
 *         mov eax,231 ; mov edi,125 ; syscall                # exit_group(125)
 * ok:     add rbx,64 ; jmp next
 * ```
 *
 * A program comes in two parts: the first is in the file (join the cgroup, then `read` the second
 * part from a pipe into {@link PART2_ADDRESS} and jump there), so the stub can start — and wait out
 * the cgroup migration — while berth still prepares the rootfs.
 */

import { ELF_HEADERS_SIZE, PF_R, PF_W, PF_X, writeElfHeaders } from "./elf.ts";

const CODE_HEX =
  "bb980140004531ff488b034883f8ff7506488b5b08ebf14883f8fe750b4d85ff7472488b5b08ebe0488b7b08488b7310" +
  "488b53184c8b53204c8b43284c8b4b30f643380174034c89ff0f054989c7483d01f0ffff723ef6433802753848f7d8" +
  "48891c25880140004889042590014000b801000000488b3c2580014000be88014000ba100000000f05b8e7000000bf7d" +
  "0000000f054883c340e96bffffff";

/** Where the stub's file is mapped (a fixed, non-PIE address: data pointers are absolute). */
export const LOAD_ADDRESS = 0x400000;
/** File offset of the data block: u64 report fd, 16 bytes scratch, then the records. */
export const DATA_OFFSET = 0x180;
export const RECORDS_OFFSET = DATA_OFFSET + 24;
export const RECORD_SIZE = 64;
/** Address of the first record of the first part. */
export const PART1_ADDRESS = LOAD_ADDRESS + RECORDS_OFFSET;
/** Where the second part of the program is read to (beyond the file: zero-filled memory). */
export const PART2_ADDRESS = LOAD_ADDRESS + 0x10000;
/** Most bytes the second part may have. */
export const PART2_MAX = 0x800000; // 8 MiB of address space (zero-filled, untouched unless used): more than execve takes
const CODE_OFFSET = ELF_HEADERS_SIZE;

let code: Uint8Array | undefined;

/** An ELF executable of the stub, reporting failures on `reportFd`, with `part1` (records at PART1_ADDRESS). */
export function stubExecutable(reportFd: number, part1: Uint8Array): Uint8Array<ArrayBuffer> {
  code ??= Uint8Array.from(CODE_HEX.match(/../g)!.map((h) => parseInt(h, 16)));
  const file = new Uint8Array(RECORDS_OFFSET + part1.length);
  if (LOAD_ADDRESS + file.length > PART2_ADDRESS) throw new Error("init program part 1 too large");
  // read-write-execute: the stub writes its scratch words; part 2 is read into the zero-filled memory
  writeElfHeaders(file, LOAD_ADDRESS, LOAD_ADDRESS + CODE_OFFSET, PART2_ADDRESS - LOAD_ADDRESS + PART2_MAX, PF_R | PF_W | PF_X);
  const v = new DataView(file.buffer);
  file.set(code, CODE_OFFSET);
  v.setBigUint64(DATA_OFFSET, BigInt(reportFd), true);
  file.set(part1, RECORDS_OFFSET);
  return file;
}
