/**
 * Device access on cgroup v2: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, attached to the
 * container's cgroup, that the kernel asks on every open and mknod of a device node. It allows what one
 * of the rules allows and denies the rest — the v1 devices cgroup's allowlist, as code.
 *
 * The program (ctx = struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }):
 * ```
 * r2 = ctx->access_type & 0xffff   ; device type: 1 block, 2 char
 * r3 = ctx->access_type >> 16      ; access: 1 mknod, 2 read, 4 write
 * r4 = ctx->major ; r5 = ctx->minor
 * per rule: if r2 != TYPE goto next ; if r3 & ~ACCESS goto next ;
 *           if r4 != MAJOR goto next ; if r5 != MINOR goto next ; return 1
 * return 0
 * ```
 */
import type { DeviceRule } from "./device_rules.ts";

const BPF_DEVCG_DEV_BLOCK = 1, BPF_DEVCG_DEV_CHAR = 2;
// eBPF opcodes (class | op | source)
const LDX_MEM_W = 0x61, ALU64_AND_K = 0x57, ALU64_RSH_K = 0x77, ALU64_MOV_K = 0xb7;
const JMP_JNE_K = 0x55, JMP_JSET_K = 0x45, JMP_EXIT = 0x95;

/**
 * The program for `rules` as `struct bpf_insn[]`, written straight into bytes: the last rule that matches
 * decides (berth's own lists only allow, so their order does not matter), and no match denies.
 */
export function deviceFilterProgram(rules: readonly DeviceRule[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array((6 + rules.length * 6 + 2) * 8);
  const v = new DataView(out.buffer);
  let n = 0;
  const insn = (code: number, dst: number, src: number, off: number, imm: number) => {
    out[n * 8] = code;
    out[n * 8 + 1] = (src << 4) | dst;
    v.setInt16(n * 8 + 2, off, true);
    v.setInt32(n * 8 + 4, imm, true);
    n++;
  };
  insn(LDX_MEM_W, 2, 1, 0, 0);
  insn(ALU64_AND_K, 2, 0, 0, 0xffff);
  insn(LDX_MEM_W, 3, 1, 0, 0);
  insn(ALU64_RSH_K, 3, 0, 0, 16);
  insn(LDX_MEM_W, 4, 1, 4, 0);
  insn(LDX_MEM_W, 5, 1, 8, 0);
  for (const r of [...rules].reverse()) {
    // each check jumps past this rule's `return 1` to the next rule
    const checks = (r.type !== "a" ? 1 : 0) + (r.access !== 7 ? 1 : 0) + (r.major >= 0 ? 1 : 0) + (r.minor >= 0 ? 1 : 0);
    let left = checks;
    const check = (code: number, reg: number, imm: number) => insn(code, reg, 0, left-- + 1, imm);
    if (r.type !== "a") check(JMP_JNE_K, 2, r.type === "c" ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
    if (r.access !== 7) check(JMP_JSET_K, 3, ~r.access & 7); // asks for an access the rule lacks
    if (r.major >= 0) check(JMP_JNE_K, 4, r.major);
    if (r.minor >= 0) check(JMP_JNE_K, 5, r.minor);
    insn(ALU64_MOV_K, 0, 0, 0, r.allow === false ? 0 : 1);
    insn(JMP_EXIT, 0, 0, 0, 0);
    if (!checks) return out.slice(0, n * 8); // matches everything: the verifier refuses code after it (unreachable)
  }
  insn(ALU64_MOV_K, 0, 0, 0, 0);
  insn(JMP_EXIT, 0, 0, 0, 0);
  return out.slice(0, n * 8);
}
