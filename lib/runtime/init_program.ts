/**
 * The list of system calls the container's first process runs (see {@link ./init_stub.ts}): built
 * here in TypeScript, laid out as the stub's data block, and explained back when one fails.
 *
 * @example
 * ```ts
 * const p = new InitProgram(PART1_ADDRESS);
 * p.call("mount /proc", SYS.mount, ["proc", "/proc", "proc", 0, null]);
 * p.call("exec /bin/sh", SYS.execve, ["/bin/sh", p.strings(["sh"]), p.strings([])]);
 * const file = stubExecutable(reportFd, p.build());
 * ```
 */
import { RECORD_SIZE } from "./init_stub.ts";

export const SIG_BLOCK = 0, SIG_UNBLOCK = 1;
/** sigset_t with SIGUSR1: berth's go-ahead to a stub that waits (maps written, hooks run, `start`, let go) */
export const USR1_SET = new Uint8Array(new BigUint64Array([1n << 9n]).buffer);

/** x86-64 system call numbers the container setup uses. */
export const SYS = {
  read: 0,
  write: 1,
  open: 2,
  close: 3,
  rt_sigaction: 13,
  rt_sigprocmask: 14,
  ioctl: 16,
  dup2: 33,
  execve: 59,
  fcntl: 72,
  chdir: 80,
  mkdir: 83,
  symlink: 88,
  chmod: 90,
  umask: 95,
  socket: 41,
  setsid: 112,
  setgroups: 116,
  setresuid: 117,
  setresgid: 119,
  mknod: 133,
  pivot_root: 155,
  prctl: 157,
  mount: 165,
  umount2: 166,
  sethostname: 170,
  exit_group: 231,
  unshare: 272,
  setns: 308,
  fchdir: 81,
  keyctl: 250,
  seccomp: 317,
  close_range: 436,
  rt_sigtimedwait: 128,
  prlimit64: 302,
  openat2: 437,
  execveat: 322,
  fork: 57,
} as const;

/** A pointer into the data block. */
class Ref {
  constructor(readonly offset: number) {}
}

/** A place in the program's records, placed with {@link InitProgram.mark} (before or after its use). */
export class Label {
  index = -1;
}

export type Arg = number | bigint | string | Uint8Array | Ref | Label | null;

interface Rec {
  what: string;
  nr: number;
  args: Arg[];
  flags: number;
}

export interface CallOptions {
  /** failure of this call is not an error (e.g. masking a path the kernel lacks) */
  ignoreFailure?: boolean;
  /** the first argument is the previous call's result (e.g. the fd an open returned) */
  previousResult?: boolean;
}

const encoder = new TextEncoder();

export class InitProgram {
  #recs: Rec[] = [];
  #blobs: Uint8Array[] = [];
  #blobSize = 0;
  #tables: { table: BigUint64Array; items: Ref[] }[] = [];
  #pointers: { struct: Uint8Array; offset: number; target: Ref }[] = [];

  /** `base`: the address the program's first record is loaded at. */
  constructor(readonly base: number) {}

  /** Adds one system call; strings and byte arrays become pointers to copies in the data block. */
  call(what: string, nr: number, args: Arg[], opts: CallOptions = {}): void {
    if (args.length > 6) throw new Error("at most 6 system call arguments");
    this.#recs.push({
      what,
      nr,
      args,
      flags: (opts.previousResult ? 1 : 0) | (opts.ignoreFailure ? 2 : 0),
    });
  }

  /** Data in the block, for a pointer argument (e.g. a struct). */
  bytes(b: Uint8Array): Ref {
    const ref = new Ref(this.#blobSize);
    this.#blobs.push(b);
    this.#blobSize += (b.length + 7) & ~7;
    return ref;
  }

  /** A NULL-terminated array of C strings (argv, envp). */
  strings(list: string[]): Ref {
    const table = new BigUint64Array(list.length + 1);
    const ref = this.bytes(new Uint8Array(table.buffer));
    this.#tables.push({ table, items: list.map((s) => this.#cstring(s)) });
    return ref;
  }

  /** A struct in the block whose 8 bytes at `offset` point to `target`, also in the block (e.g. sock_fprog). */
  structWithPointer(struct: Uint8Array, offset: number, target: Uint8Array): Ref {
    const ref = this.bytes(struct);
    this.#pointers.push({ struct, offset, target: this.bytes(target) });
    return ref;
  }

  get length(): number {
    return this.#recs.length;
  }

  /** Continues at `address` (the stub's record number -1). */
  jump(address: number): void {
    this.#recs.push({ what: "jump", nr: -1, args: [address], flags: 0 });
  }

  /** Continues at `label` if the previous call returned anything but 0 — a fork's parent (record number -2). */
  jumpUnlessZero(label: Label): void {
    this.#recs.push({ what: "jump", nr: -2, args: [label], flags: 0 });
  }

  /** A label for {@link jumpUnlessZero}. */
  label(): Label {
    return new Label();
  }

  /** Places `label` at the next record. */
  mark(label: Label): void {
    label.index = this.#recs.length;
  }

  /**
   * Keeps nothing of the caller's: /dev/null on fds 0–2 (a caller's pipe would never end otherwise), every other
   * fd closed (a report pipe's end is the caller's go). `ignoreFailure` where no failure could be reported.
   */
  detachFromCaller(ignoreFailure = false): void {
    this.call("open /dev/null", SYS.open, ["/dev/null", 2 /* O_RDWR */, 0], { ignoreFailure });
    // each dup2 returns the fd it made, which the next one copies: open's fd → 0 → 1 → 2
    for (const fd of [0, 1, 2]) this.call(`/dev/null on fd ${fd}`, SYS.dup2, [0, fd], { previousResult: true, ignoreFailure });
    this.call("close the rest", SYS.close_range, [3, 0xffffffff, 0], { ignoreFailure });
  }

  /** Sleeps until killed (`pause` returns only -EINTR, never 0: the jump always goes back). */
  sleepForever(): void {
    const loop = this.label();
    this.mark(loop);
    this.call("sleep", 34 /* pause */, [], { ignoreFailure: true });
    this.jumpUnlessZero(loop);
  }

  #cstring(s: string): Ref {
    const b = encoder.encode(s + "\0");
    if (b.indexOf(0) !== b.length - 1) throw new Error(`NUL byte in ${JSON.stringify(s)}`);
    return this.bytes(b);
  }

  // Blobs follow the records, so pointers are known only in build().
  #pointer(ref: Ref): bigint {
    return BigInt(this.base + this.#recs.length * RECORD_SIZE + ref.offset);
  }

  /** The program as loaded at `base`: records, then strings and structs. */
  build(): Uint8Array<ArrayBuffer> {
    // Strings of pointer arguments become blobs first, so the layout is final before pointers are written.
    const resolved = this.#recs.map((r) =>
      r.args.map((a) => (typeof a === "string" ? this.#cstring(a) : a instanceof Uint8Array ? this.bytes(a) : a))
    );
    for (const t of this.#tables) t.items.forEach((r, i) => t.table[i] = this.#pointer(r));
    for (const p of this.#pointers) {
      new DataView(p.struct.buffer, p.struct.byteOffset).setBigUint64(p.offset, this.#pointer(p.target), true);
    }
    const blobStart = this.#recs.length * RECORD_SIZE;
    const out = new Uint8Array(blobStart + this.#blobSize);
    const v = new DataView(out.buffer);
    // numbers as two 32-bit halves (sign-extended): BigInt conversions of ~2,000 words cost milliseconds cold
    const word = (at: number, n: number) => {
      v.setUint32(at, n >>> 0, true);
      v.setUint32(at + 4, n < 0 ? 0xffffffff : Math.floor(n / 2 ** 32) >>> 0, true);
    };
    const blobBase = this.base + blobStart;
    this.#recs.forEach((r, i) => {
      const o = i * RECORD_SIZE;
      word(o, r.nr);
      resolved[i].forEach((a, j) => {
        if (a === null) return; // the buffer is zeroed
        if (a instanceof Ref) word(o + 8 + j * 8, blobBase + a.offset);
        else if (a instanceof Label) {
          if (a.index < 0) throw new Error("init program: a label never placed");
          word(o + 8 + j * 8, this.base + a.index * RECORD_SIZE);
        }
        else if (typeof a === "bigint") v.setBigUint64(o + 8 + j * 8, BigInt.asUintN(64, a), true);
        else word(o + 8 + j * 8, a as number);
      });
      word(o + 56, r.flags);
    });
    let off = blobStart;
    for (const b of this.#blobs) {
      out.set(b, off);
      off += (b.length + 7) & ~7;
    }
    return out;
  }

  /** The description of the call whose record starts at `address` (as the stub reports it), if it is ours. */
  describe(address: number): string | undefined {
    const i = (address - this.base) / RECORD_SIZE;
    return Number.isInteger(i) ? this.#recs[i]?.what : undefined;
  }
}
