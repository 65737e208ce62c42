/**
 * The stdin of a detached container started with `-i` (OpenStdin): a FIFO in the container's directory on
 * the host (never inside the container), read by the container and written by whoever attaches to it
 * (the Engine API's attach). The container reads EOF when the last writer closes, as `docker run -i`'s
 * stdin ends when its client's does; with no writer attached it reads EOF at once.
 */
import { closeFd, openFd, O_CLOEXEC, O_RDWR } from "../ffi/fd.ts";
import { closeQuietly, mknodAt, openDir, S_IFIFO } from "../ffi/dir_fd.ts";
import { ErrnoError, sys } from "../ffi/sys.ts";

const NAME = "stdin";
const O_RDONLY = 0, O_NONBLOCK = 0o4000, O_NOFOLLOW = 0o400000;
const F_GETFL = 3, F_SETFL = 4, NR_fcntl = 72;

/** Makes the FIFO if it is not there yet. */
export function ensureStdinFifo(dir: string): void {
  const fd = openDir(dir);
  try {
    mknodAt(fd, NAME, S_IFIFO | 0o600, 0);
  } catch (err) {
    if (!(err instanceof ErrnoError) || err.code !== 17 /* EEXIST */) throw err;
  } finally {
    closeQuietly(fd);
  }
}

/** The read end for the container: opened without waiting for a writer, then blocking like any stdin. */
export function openStdinReader(dir: string): number {
  ensureStdinFifo(dir);
  const fd = openFd(`${dir}/${NAME}`, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  const flags = sys("fcntl(F_GETFL)", NR_fcntl, fd, F_GETFL, 0);
  sys("fcntl(F_SETFL)", NR_fcntl, fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

/**
 * A write end for an attaching client, openable before the container runs (O_RDWR does not wait for a
 * reader); closing it is the container's EOF once no other writer is left.
 */
export function openStdinWriter(dir: string): number {
  ensureStdinFifo(dir);
  return openFd(`${dir}/${NAME}`, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
}

export { closeFd };
