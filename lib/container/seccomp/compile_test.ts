/**
 * The seccomp compiler, run in a classic-BPF interpreter written here: Docker's default profile decides
 * as Docker's does for every ABI, argument comparisons are exact on 64-bit values, big profiles (long
 * jumps) stay correct, and the prebuilt default filter is what the compiler makes today.
 */
import { assertEquals } from "../../../tests/helpers/assert.ts";
import { prebuiltDefault } from "../../../scripts/gen_prebuilt_seccomp.ts";
import { CAP_NAMES, capabilitySet } from "../capabilities.ts";
import { actionValue, compileFilter } from "./compile.ts";
import { defaultProfile } from "./default_profile.ts";
import { type ArgCondition, type Op, resolveProfile, type SeccompProfile } from "./profile.ts";
import { PREBUILT_DEFAULT } from "./prebuilt_default.ts";

const X86_64 = 0xc000003e, I386 = 0x40000003;
const ALLOW = 0x7fff0000, EPERM = 0x00050001, ENOSYS = 0x00050026, KILL_PROCESS = 0x80000000;

/** Runs the filter on one system call (seccomp_data: nr, arch, ip, args) and returns what it returns. */
function run(filter: Uint8Array, arch: number, nr: number, args: bigint[] = []): number {
  const data = new DataView(new ArrayBuffer(64));
  data.setUint32(0, nr >>> 0, true);
  data.setUint32(4, arch, true);
  args.forEach((a, i) => data.setBigUint64(16 + 8 * i, BigInt.asUintN(64, a), true));
  const v = new DataView(filter.buffer, filter.byteOffset, filter.byteLength);
  let A = 0;
  for (let pc = 0; pc < filter.length / 8;) {
    const code = v.getUint16(pc * 8, true), jt = filter[pc * 8 + 2], jf = filter[pc * 8 + 3], k = v.getUint32(pc * 8 + 4, true);
    pc++;
    switch (code) {
      case 0x20: A = data.getUint32(k, true); break;
      case 0x54: A = (A & k) >>> 0; break;
      case 0x05: pc += k; break;
      case 0x15: pc += A === k ? jt : jf; break;
      case 0x25: pc += A > k ? jt : jf; break;
      case 0x35: pc += A >= k ? jt : jf; break;
      case 0x06: return k;
      default: throw new Error(`unknown instruction ${code.toString(16)} at ${pc - 1}`);
    }
  }
  throw new Error("ran off the end of the filter");
}

function defaultFilter(extraCaps: string[] = []): Uint8Array {
  const caps = [...[...capabilitySet({})].map((c) => `CAP_${CAP_NAMES[c]}`), ...extraCaps];
  return compileFilter(resolveProfile(defaultProfile(), { capabilities: caps, kernel: "6.1.0-13-amd64" }));
}

Deno.test("seccomp compile: Docker's default profile, x86-64", () => {
  const f = defaultFilter();
  assertEquals(run(f, X86_64, 0), ALLOW); // read
  assertEquals(run(f, X86_64, 59), ALLOW); // execve
  assertEquals(run(f, X86_64, 165), EPERM); // mount
  assertEquals(run(f, X86_64, 272, [0x10000000n]), EPERM); // unshare
  assertEquals(run(f, X86_64, 250), EPERM); // keyctl: not in the list
  assertEquals(run(f, X86_64, 161), ALLOW); // chroot: CAP_SYS_CHROOT is a default capability
  assertEquals(run(f, X86_64, 169), EPERM); // reboot: no CAP_SYS_BOOT
  // clone: no namespace flags without CAP_SYS_ADMIN; clone3 → ENOSYS so libc falls back
  assertEquals(run(f, X86_64, 56, [0x3d0f00n]), ALLOW);
  assertEquals(run(f, X86_64, 56, [0x3d0f00n | 0x10000000n]), EPERM);
  assertEquals(run(f, X86_64, 56, [0x20000n]), EPERM); // CLONE_NEWNS
  assertEquals(run(f, X86_64, 435), ENOSYS);
  // personality: the five values only, compared on all 64 bits
  for (const p of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]) assertEquals(run(f, X86_64, 135, [p]), ALLOW);
  for (const p of [0x40000n, 1n, 0x1_00000000n, 0xffffffff_ffffffffn]) assertEquals(run(f, X86_64, 135, [p]), EPERM);
  // socket: anything but AF_VSOCK
  assertEquals(run(f, X86_64, 41, [2n]), ALLOW);
  assertEquals(run(f, X86_64, 41, [40n]), EPERM);
  assertEquals(run(f, X86_64, 41, [0x1_00000028n]), ALLOW);
  // numbers nobody has
  assertEquals(run(f, X86_64, 3000), EPERM);
  assertEquals(run(f, X86_64, -1), EPERM);
  assertEquals(run(f, 0xc00000b7 /* aarch64 */, 0), KILL_PROCESS);
});

Deno.test("seccomp compile: the i386 and x32 ABIs by their own numbers; CAP_SYS_ADMIN's rules", () => {
  const f = defaultFilter();
  assertEquals(run(f, I386, 3), ALLOW); // read
  assertEquals(run(f, I386, 102), ALLOW); // socketcall
  assertEquals(run(f, I386, 310, [0x04000000n]), EPERM); // unshare
  assertEquals(run(f, I386, 21), EPERM); // mount
  assertEquals(run(f, I386, 120, [0x11n]), ALLOW); // clone, 32-bit: only the low word exists
  assertEquals(run(f, I386, 120, [0x10000000n]), EPERM);
  assertEquals(run(f, 0x4000003e /* x86-64 without the 64-bit flag */, 0), KILL_PROCESS);
  assertEquals(run(f, X86_64, 0x40000000 + 0), ALLOW); // x32 read
  assertEquals(run(f, X86_64, 0x40000000 + 165), EPERM); // x32 mount
  assertEquals(run(f, X86_64, 0x40000000 + 520), ALLOW); // x32 execve (x32's own number)
  const admin = defaultFilter(["CAP_SYS_ADMIN"]);
  assertEquals(run(admin, X86_64, 165), ALLOW);
  assertEquals(run(admin, X86_64, 56, [0x10000000n]), ALLOW);
  assertEquals(run(admin, X86_64, 435), ALLOW);
  assertEquals(run(admin, I386, 310), ALLOW);
});

/** The comparison as the profile means it, on 64-bit values. */
function holds(op: Op, arg: bigint, value: bigint, two: bigint): boolean {
  switch (op) {
    case "SCMP_CMP_EQ": return arg === value;
    case "SCMP_CMP_NE": return arg !== value;
    case "SCMP_CMP_LT": return arg < value;
    case "SCMP_CMP_LE": return arg <= value;
    case "SCMP_CMP_GT": return arg > value;
    case "SCMP_CMP_GE": return arg >= value;
    case "SCMP_CMP_MASKED_EQ": return (arg & value) === two;
  }
}

Deno.test("seccomp compile: every comparison on 64-bit arguments, against the same comparison on BigInts", () => {
  const ops: Op[] = ["SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_MASKED_EQ"];
  const values = [0n, 1n, 0xffffffffn, 0x1_00000000n, 0x1_00000001n, 0x7fffffff_fffffffen, 0xffffffff_ffffffffn, 0xdead_beefn];
  for (const op of ops) {
    for (const value of values) {
      const cond: ArgCondition = { index: 2, value, valueTwo: value & 0xff00ff00_ff00ff00n, op };
      const profile: SeccompProfile = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["write"], action: "SCMP_ACT_ERRNO", errnoRet: 5, args: [cond] }] };
      const f = compileFilter(resolveProfile(profile, { capabilities: [], kernel: "6.1" }));
      for (const arg of [...values, ...values.map((x) => x + 1n), ...values.map((x) => x - 1n)]) {
        const a = BigInt.asUintN(64, arg);
        const want = holds(op, a, value, cond.valueTwo as bigint) ? 0x00050005 : ALLOW;
        assertEquals(run(f, X86_64, 1, [0n, 0n, a]), want, `${op} ${value} on ${a}`);
      }
    }
  }
});

Deno.test("seccomp compile: a profile of many argument rules (jumps beyond 255) decides every call right", () => {
  const names = ["read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "mmap", "mprotect", "munmap", "brk"];
  const syscalls = [];
  for (const [i, name] of names.entries()) {
    for (let j = 0; j < 4; j++) {
      syscalls.push({ names: [name], action: "SCMP_ACT_ERRNO" as const, errnoRet: 100 + i, args: [{ index: j, value: BigInt(j + 1), op: "SCMP_CMP_EQ" as const }, { index: 5, value: 7, op: "SCMP_CMP_LE" as const }] });
    }
  }
  const profile: SeccompProfile = { defaultAction: "SCMP_ACT_ALLOW", syscalls };
  const f = compileFilter(resolveProfile(profile, { capabilities: [], kernel: "6.1" }));
  const jumps = Array.from({ length: f.length / 8 }, (_, i) => f[i * 8] === 0x05 && f[i * 8 + 4] + f[i * 8 + 5] * 256 > 255);
  assertEquals(jumps.some(Boolean), true, "the profile is big enough to need long jumps");
  names.forEach((_, nr) => {
    for (let j = 0; j < 4; j++) {
      const args = [0n, 0n, 0n, 0n, 0n, 7n];
      args[j] = BigInt(j + 1);
      assertEquals(run(f, X86_64, nr, args), actionValue("SCMP_ACT_ERRNO", 100 + nr));
      args[5] = 8n;
      assertEquals(run(f, X86_64, nr, args), ALLOW);
    }
    assertEquals(run(f, X86_64, nr, [9n, 9n, 9n, 9n, 0n, 0n]), ALLOW);
  });
});

Deno.test("seccomp compile: the prebuilt default filter is today's compile (else: deno run -A scripts/gen_prebuilt_seccomp.ts)", () => {
  const fresh = prebuiltDefault();
  assertEquals(PREBUILT_DEFAULT.key, fresh.key);
  assertEquals(PREBUILT_DEFAULT.relevantCaps, fresh.relevantCaps);
  assertEquals(PREBUILT_DEFAULT.filter, fresh.filter);
});
