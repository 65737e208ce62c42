/**
 * bpf(2), the two commands berth needs: load a cgroup device program and attach it to a cgroup (v2's
 * device access control). The kernel keeps an attached program for as long as the cgroup lives, so
 * both fds are closed at once.
 */
import { closeQuietly, openDir } from "./dir_fd.ts";
import { ErrnoError, errno, trySys } from "./sys.ts";

const NR_bpf = 321;
const BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15, BPF_CGROUP_DEVICE = 6, BPF_F_ALLOW_MULTI = 2;

const address = (b: Uint8Array<ArrayBuffer>) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b)));

/** Loads `insns` (struct bpf_insn[]) as a cgroup device program and attaches it to the cgroup directory `dir`. */
export function attachDeviceProgram(dir: string, insns: Uint8Array<ArrayBuffer>): void {
  const license = new TextEncoder().encode("MIT\0");
  const load = (log?: Uint8Array<ArrayBuffer>) => {
    const attr = new Uint8Array(128); // union bpf_attr, zero beyond the fields set
    const v = new DataView(attr.buffer);
    v.setUint32(0, BPF_PROG_TYPE_CGROUP_DEVICE, true);
    v.setUint32(4, insns.length / 8, true);
    v.setBigUint64(8, address(insns), true);
    v.setBigUint64(16, address(license), true);
    if (log) {
      v.setUint32(24, 1, true); // log_level
      v.setUint32(28, log.length, true);
      v.setBigUint64(32, address(log), true);
    }
    return trySys(NR_bpf, BPF_PROG_LOAD, attr, attr.length);
  };
  const prog = load();
  if (prog < 0) {
    const code = errno();
    // again with the verifier's log, to say why
    const log = new Uint8Array(1 << 16);
    const again = load(log);
    closeQuietly(again);
    const why = new TextDecoder().decode(log.subarray(0, Math.max(0, log.indexOf(0)))).trim().split("\n").slice(-3).join("; ");
    throw new ErrnoError(`load the device filter${why ? ` (${why})` : ""}`, code);
  }
  let cg = -1;
  try {
    cg = openDir(dir);
    const at = new Uint8Array(32);
    const a = new DataView(at.buffer);
    a.setUint32(0, cg, true); // target_fd
    a.setUint32(4, prog, true); // attach_bpf_fd
    a.setUint32(8, BPF_CGROUP_DEVICE, true);
    a.setUint32(12, BPF_F_ALLOW_MULTI, true);
    if (trySys(NR_bpf, BPF_PROG_ATTACH, at, at.length) < 0) throw new ErrnoError(`attach the device filter to ${dir}`, errno());
  } finally {
    closeQuietly(cg);
    closeQuietly(prog);
  }
}
