/**
 * A resolved seccomp profile compiled to the classic BPF program the kernel runs on every system call
 * (`struct sock_filter[]`, 8 bytes each): check the architecture, then a binary search over the system
 * call number (ranges with one outcome merged), then per call its argument conditions.
 *
 * Only relative forward jumps exist in classic BPF and a conditional one reaches at most 255
 * instructions, so every piece is built as a self-contained block whose jumps stay inside it; a
 * branch over a bigger block goes through an unconditional `ja`.
 *
 * @example
 * ```ts
 * const filter = compileFilter(resolveProfile(defaultProfile(), { capabilities: [], kernel: "6.1" }));
 * // filter.length / 8 instructions, installed with seccomp(SECCOMP_SET_MODE_FILTER, 0, &fprog)
 * ```
 */
import type { Action, ArgCondition, ResolvedProfile, ResolvedRule } from "./profile.ts";
import { I386, X32, X86_64 } from "./syscall_numbers.ts";

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const X32_SYSCALL_BIT = 0x40000000;
const MAX_INSNS = 4096; // BPF_MAXINSNS

const LD_ABS = 0x20, JEQ = 0x15, JGT = 0x25, JGE = 0x35, JA = 0x05, RET = 0x06, AND = 0x54;
const RET_KILL_PROCESS = 0x80000000, RET_KILL_THREAD = 0, RET_TRAP = 0x00030000, RET_ERRNO = 0x00050000;
const RET_TRACE = 0x7ff00000, RET_LOG = 0x7ffc0000, RET_ALLOW = 0x7fff0000;
const EPERM = 1;

/** One instruction; conditional targets may be symbolic until their block is laid out. */
interface Insn {
  code: number;
  jt: number | "pass" | "fail";
  jf: number | "pass" | "fail";
  k: number;
}
const ins = (code: number, k = 0, jt: Insn["jt"] = 0, jf: Insn["jf"] = 0): Insn => ({ code, jt, jf, k: k >>> 0 });

/** The value a filter returns for an action. */
export function actionValue(action: Action, errno?: number): number {
  switch (action) {
    case "SCMP_ACT_ALLOW": return RET_ALLOW;
    case "SCMP_ACT_ERRNO": return (RET_ERRNO | ((errno ?? EPERM) & 0xffff)) >>> 0;
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD": return RET_KILL_THREAD;
    case "SCMP_ACT_KILL_PROCESS": return RET_KILL_PROCESS;
    case "SCMP_ACT_TRAP": return RET_TRAP;
    case "SCMP_ACT_TRACE": return (RET_TRACE | ((errno ?? EPERM) & 0xffff)) >>> 0;
    case "SCMP_ACT_LOG": return RET_LOG;
  }
}

/** The number of `name` in an ABI (x32's with its marker bit), if the ABI has that call. */
function numberOf(abi: "x86_64" | "x86" | "x32", name: string): number | undefined {
  const table = abi === "x86_64" ? X86_64 : abi === "x86" ? I386 : X32;
  // own properties only: a profile naming "constructor" must not find Object.prototype's
  if (!Object.hasOwn(table, name)) return undefined;
  return table[name] + (abi === "x32" ? X32_SYSCALL_BIT : 0);
}

/** One condition on a 64-bit argument ("pass": go on to the next condition; "fail": this rule does not match). */
function condition(c: ArgCondition, wide: boolean): Insn[] {
  const lo = 16 + 8 * c.index, hi = lo + 4;
  const v = BigInt.asUintN(64, BigInt(c.value));
  const vlo = Number(v & 0xffffffffn), vhi = Number(v >> 32n);
  const two = BigInt.asUintN(64, BigInt(c.valueTwo ?? 0));
  const tlo = Number(two & 0xffffffffn), thi = Number(two >> 32n);
  const out: Insn[] = [];
  // the high word decides unless equal; 32-bit programs have none
  switch (c.op) {
    case "SCMP_CMP_EQ":
      if (wide) out.push(ins(LD_ABS, hi), ins(JEQ, vhi, 0, "fail"));
      out.push(ins(LD_ABS, lo), ins(JEQ, vlo, 0, "fail"));
      break;
    case "SCMP_CMP_NE":
      if (wide) out.push(ins(LD_ABS, hi), ins(JEQ, vhi, 0, "pass"));
      out.push(ins(LD_ABS, lo), ins(JEQ, vlo, "fail", 0));
      break;
    case "SCMP_CMP_MASKED_EQ":
      if (wide) out.push(ins(LD_ABS, hi), ins(AND, vhi), ins(JEQ, thi, 0, "fail"));
      out.push(ins(LD_ABS, lo), ins(AND, vlo), ins(JEQ, tlo, 0, "fail"));
      break;
    case "SCMP_CMP_GT":
    case "SCMP_CMP_GE":
      if (wide) out.push(ins(LD_ABS, hi), ins(JGT, vhi, "pass", 0), ins(JEQ, vhi, 0, "fail"));
      out.push(ins(LD_ABS, lo), ins(c.op === "SCMP_CMP_GT" ? JGT : JGE, vlo, 0, "fail"));
      break;
    case "SCMP_CMP_LT":
    case "SCMP_CMP_LE":
      if (wide) out.push(ins(LD_ABS, hi), ins(JGT, vhi, "fail", 0), ins(JEQ, vhi, 0, "pass"));
      out.push(ins(LD_ABS, lo), ins(c.op === "SCMP_CMP_LE" ? JGT : JGE, vlo, "fail", 0));
      break;
  }
  return out;
}

/** A call with argument rules: each rule's conditions (all must hold) and its action, then `fallback`. */
function ruleChain(rules: ResolvedRule[], fallback: number, wide: boolean): Insn[] {
  const out: Insn[] = [];
  for (const r of rules) {
    const block: Insn[] = [];
    const conds = r.args.map((c) => condition(c, wide));
    for (const cond of conds) {
      // "pass" lands on the first instruction after this condition
      cond.forEach((x, i) => {
        const resolve = (t: Insn["jt"]) => (t === "pass" ? cond.length - i - 1 : t);
        block.push({ ...x, jt: resolve(x.jt), jf: resolve(x.jf) });
      });
    }
    block.push(ins(RET, actionValue(r.action, r.errno)));
    // "fail" lands after this rule's ret, on the next rule
    block.forEach((x, i) => {
      if (x.jt === "fail") x.jt = block.length - i - 1;
      if (x.jf === "fail") x.jf = block.length - i - 1;
    });
    out.push(...block);
  }
  out.push(ins(RET, fallback));
  return out;
}

type Leaf = number | Insn[];

/**
 * The search over `lo`/`leaf` ranges (each from its `lo` up to the next's), written straight into `out`
 * (classic BPF as words: code|jt<<16|jf<<24, k); the number is in A throughout, only a leaf's argument
 * checks load anything else. Sizes are computed first so that every jump is known when written.
 */
class TreeWriter {
  readonly #sizes = new Map<number, number>();
  constructor(readonly lo: number[], readonly leaf: Leaf[], readonly out: number[]) {}

  size(a: number, b: number): number {
    if (b - a === 1) {
      const l = this.leaf[a];
      return typeof l === "number" ? 1 : l.length;
    }
    const key = a * 65536 + b;
    let n = this.#sizes.get(key);
    if (n === undefined) {
      const mid = (a + b) >> 1;
      const left = this.size(a, mid);
      n = 1 + (left > 255 ? 1 : 0) + left + this.size(mid, b);
      this.#sizes.set(key, n);
    }
    return n;
  }

  write(a: number, b: number): void {
    const out = this.out;
    if (b - a === 1) {
      const l = this.leaf[a];
      if (typeof l === "number") out.push(RET, l);
      else for (const x of l) out.push(x.code | ((x.jt as number) << 16) | ((x.jf as number) << 24), x.k);
      return;
    }
    const mid = (a + b) >> 1;
    const left = this.size(a, mid);
    if (left <= 255) out.push(JGE | (left << 16), this.lo[mid]);
    else out.push(JGE | (1 << 24), this.lo[mid], JA, left); // a far right side: through a `ja`
    this.write(a, mid);
    this.write(mid, b);
  }
}

/** The search tree of one ABI (or x86-64 with x32): the 32-bit number space split into ranges of one outcome. */
function abiTree(profile: ResolvedProfile, abis: Array<"x86_64" | "x86" | "x32">, outside: { from: number; value: number } | null): number[] {
  const dflt = actionValue(profile.defaultAction, profile.defaultErrno);
  const byNr = new Map<number, ResolvedRule[]>();
  for (const abi of abis) {
    for (const r of profile.rules) {
      const nr = numberOf(abi, r.name);
      if (nr === undefined) continue; // a call this ABI lacks (Docker lists every architecture's)
      const list = byNr.get(nr);
      if (list) list.push(r);
      else byNr.set(nr, [r]);
    }
  }
  const wide = !abis.includes("x86");
  const leaves = new Map<number, Leaf>();
  for (const [nr, rules] of byNr) {
    const plain = rules.find((r) => !r.args.length);
    const fallback = plain ? actionValue(plain.action, plain.errno) : dflt;
    // argument rules whose action is the fallback's anyway change nothing
    const conditional = rules.filter((r) => r.args.length && actionValue(r.action, r.errno) !== fallback);
    leaves.set(nr, conditional.length ? ruleChain(conditional, fallback, wide) : fallback);
  }
  const lo: number[] = [], leaf: Leaf[] = [];
  const push = (at: number, l: Leaf) => {
    if (lo.length && lo[lo.length - 1] === at) { // a range of no numbers
      lo.pop();
      leaf.pop();
    }
    if (leaf.length && typeof l === "number" && leaf[leaf.length - 1] === l) return; // same outcome: the range grows
    lo.push(at);
    leaf.push(l);
  };
  push(0, dflt);
  for (const nr of [...leaves.keys()].sort((a, b) => a - b)) {
    if (outside && nr >= outside.from) break;
    push(nr, leaves.get(nr)!);
    push(nr + 1, dflt);
  }
  if (outside) push(outside.from, outside.value);
  const out = [LD_ABS, 0];
  new TreeWriter(lo, leaf, out).write(0, lo.length);
  return out;
}

/** The words as `struct sock_filter[]`. */
function encode(words: number[]): Uint8Array<ArrayBuffer> {
  const n = words.length / 2;
  if (n > MAX_INSNS) throw new Error(`seccomp filter too large (${n} instructions, at most ${MAX_INSNS})`);
  const out = new Uint8Array(n * 8);
  const v = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    v.setUint32(i * 8, words[2 * i] >>> 0, true); // code (16 bits), jt, jf
    v.setUint32(i * 8 + 4, words[2 * i + 1] >>> 0, true);
  }
  return out;
}

/** The `struct sock_filter` array for the profile, for x86-64 hosts (and i386/x32 programs if it allows them). */
export function compileFilter(profile: ResolvedProfile): Uint8Array<ArrayBuffer> {
  const badArch = RET_KILL_PROCESS;
  const x32 = profile.arches.has("x32");
  const native = abiTree(profile, x32 ? ["x86_64", "x32"] : ["x86_64"], x32 ? null : { from: X32_SYSCALL_BIT, value: badArch });
  const compat = profile.arches.has("x86") ? abiTree(profile, ["x86"], null) : null;
  const word = (code: number, k: number, jt = 0, jf = 0) => [code | (jt << 16) | (jf << 24), k];
  if (!compat) return encode([...word(LD_ABS, 4), ...word(JEQ, AUDIT_ARCH_X86_64, 1, 0), ...word(RET, badArch), ...native]);
  // arch: x86-64 → native; i386 → compat; anything else is killed
  const nativeLen = native.length / 2;
  return encode([
    ...word(LD_ABS, 4),
    ...word(JEQ, AUDIT_ARCH_X86_64, 0, 1),
    ...word(JA, 3),
    ...word(JEQ, AUDIT_ARCH_I386, 0, 1),
    ...word(JA, nativeLen + 1),
    ...word(RET, badArch),
    ...native,
    ...compat,
  ]);
}
