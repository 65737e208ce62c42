/** File descriptors through plain system calls (./sys.ts): pipes, memfds, reads and writes, ioctls. */
import { cstr, ErrnoError, NR, sys, sysLib } from "./sys.ts";
import { forget, whenReadable } from "./poller.ts";

export const O_RDONLY = 0;
export const O_RDWR = 0o2;
export const O_NOCTTY = 0o400;
export const O_CLOEXEC = 0o2000000;

export function openFd(path: string, flags: number, mode = 0): number {
  try {
    return sys("open", NR.open, cstr(path), flags, mode);
  } catch (err) {
    if (err instanceof ErrnoError) throw new ErrnoError("open", err.code, path);
    throw err;
  }
}

export function closeFd(fd: number): void {
  forget(fd);
  sys("close", NR.close, fd);
}

/** Writes all of `data` to `fd` (blocking the JS thread: for pipes known to have room). */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += sys("write", NR.write, fd, data.subarray(off), data.length - off);
}

const EAGAIN = 11;

/** Reads up to `buf.length` bytes once `fd` is readable (see ./poller.ts); 0 at the end. */
export async function readAsync(fd: number, buf: Uint8Array<ArrayBuffer>): Promise<number> {
  for (;;) {
    await whenReadable(fd);
    try {
      return sys("read", NR.read, fd, buf, buf.length);
    } catch (err) {
      if (!(err instanceof ErrnoError) || err.code !== EAGAIN) throw err;
    }
  }
}

/** one read buffer for every {@link readChunk}: an idle reader (a detached container's quiet pipe) holds none */
const scratch = new Uint8Array(65536);

/**
 * What one read gets once `fd` is readable (empty at the end), in an array of its own size: the read and the
 * copy out of the shared buffer happen in one synchronous step, so readers never see each other's bytes.
 */
export async function readChunk(fd: number): Promise<Uint8Array<ArrayBuffer>> {
  for (;;) {
    await whenReadable(fd);
    try {
      return scratch.slice(0, sys("read", NR.read, fd, scratch, scratch.length));
    } catch (err) {
      if (!(err instanceof ErrnoError) || err.code !== EAGAIN) throw err;
    }
  }
}

/** Everything read from `fd` until its end, as text; `fd` is closed afterwards (a child's stderr pipe). */
export async function readAllText(fd: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  try {
    for (let n; (n = await readAsync(fd, buf)) > 0;) chunks.push(buf.slice(0, n));
  } finally {
    closeFd(fd);
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((off, c) => (all.set(c, off), off + c.length), 0);
  return new TextDecoder().decode(all);
}

/** Writes all of `data` on a helper thread (for pipes that may be full). */
export async function writeAllAsync(fd: number, data: Uint8Array<ArrayBuffer>): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const n = Number(await sysLib().writeBlocking(fd, data.subarray(off), BigInt(data.length - off)));
    if (n < 0) throw new ErrnoError("write", 0);
    off += n;
  }
}

/** A ReadableStream over a readable fd (closed when the stream ends or is cancelled). */
export function fdReadable(fd: number): ReadableStream<Uint8Array> {
  let closed = false;
  const closeOnce = () => {
    if (!closed) {
      closed = true;
      closeFd(fd);
    }
  };
  return new ReadableStream({
    async pull(controller) {
      // a stream is pulled as soon as it is made: a buffer of its own would wait, idle, for as long as the fd
      const chunk = await readChunk(fd).catch(() => new Uint8Array());
      if (!chunk.length) {
        closeOnce();
        controller.close();
      } else controller.enqueue(chunk);
    },
    cancel: closeOnce,
  });
}

/** A WritableStream over a writable fd (closed with the stream). */
export function fdWritable(fd: number): WritableStream<Uint8Array> {
  return new WritableStream({
    write: (chunk) => writeAllAsync(fd, chunk as Uint8Array<ArrayBuffer>),
    close: () => closeFd(fd),
    abort: () => closeFd(fd),
  });
}

const MFD_CLOEXEC = 1;
const MFD_ALLOW_SEALING = 2;
const F_GETFD = 1;
const F_SETFD = 2;
const F_ADD_SEALS = 1033;
const F_SEAL_ALL = 0x1 | 0x2 | 0x4 | 0x8; // seal, shrink, grow, write

/** A close-on-exec memfd holding `data`, sealed so that nobody (not even root) can change it. */
export function sealedMemfd(name: string, data: Uint8Array): number {
  const fd = sys("memfd_create", NR.memfd_create, cstr(name), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  try {
    writeAllSync(fd, data);
    sys("fcntl(F_ADD_SEALS)", NR.fcntl, fd, F_ADD_SEALS, F_SEAL_ALL);
  } catch (err) {
    closeFd(fd);
    throw err;
  }
  return fd;
}

/** A close-on-exec duplicate of `fd` (fcntl F_DUPFD_CLOEXEC). */
export function dupFd(fd: number): number {
  return sys("fcntl(F_DUPFD_CLOEXEC)", NR.fcntl, fd, 1030, 0);
}

/** pipe2(2): [read end, write end], close-on-exec unless `flags` says otherwise. */
export function pipe(flags = O_CLOEXEC): [number, number] {
  const fds = new Int32Array(2);
  sys("pipe2", NR.pipe2, new Uint8Array(fds.buffer), flags);
  return [fds[0], fds[1]];
}

/** Sets or clears FD_CLOEXEC on `fd`. */
export function setCloseOnExec(fd: number, on: boolean): void {
  const cur = sys("fcntl", NR.fcntl, fd, F_GETFD, 0);
  sys("fcntl", NR.fcntl, fd, F_SETFD, on ? cur | 1 : cur & ~1);
}

/** ioctl(2) with a pointer argument. */
export function ioctl(fd: number, request: number, arg: Uint8Array | null): number {
  return sys("ioctl", NR.ioctl, fd, request, arg);
}

/** prctl(2) (some options, like PR_SET_DUMPABLE, act on the whole process). */
export function prctl(option: number, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
  return sys("prctl", NR.prctl, option, a2, a3, a4, a5);
}
