/**
 * `-t`: a pseudo-terminal from a devpts instance of the container's own (so `tty` in the container says
 * /dev/pts/0), its follower end the container's stdio and controlling terminal, its leader end copied
 * to and from berth's terminal, which is put in raw mode; window size follows SIGWINCH.
 */
import { BerthError } from "../util/errors.ts";
import { closeQuietly, fstat, O_DIRECTORY, O_NOFOLLOW, O_RDONLY, openDir, tryOpenAt, tryOpenInRoot } from "../ffi/dir_fd.ts";
import { trySys } from "../ffi/sys.ts";
import { join } from "../util/path.ts";
import * as libc from "../ffi/fd.ts";
import { MNT_DETACH, mount, MS_NOEXEC, MS_NOSUID, umount2 } from "../ffi/namespaces.ts";

const TIOCSWINSZ = 0x5414;
const TIOCGPTN = 0x80045430;
const TIOCSPTLCK = 0x40045431;

export interface ContainerTty {
  /** leader end, kept by berth */
  master: number;
  /** follower end, inherited by the container's init (not close-on-exec) */
  slave: number;
  slavePath: string;
  /** host path of the devpts mount that the container binds as /dev/pts */
  devpts: string;
}

export function openContainerTty(dir: string): ContainerTty {
  const devpts = join(dir, "pts");
  Deno.mkdirSync(devpts, { recursive: true });
  mount("devpts", devpts, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  try {
    return { ...openTtyIn(devpts), devpts };
  } catch (err) {
    umount2(devpts, MNT_DETACH);
    throw err;
  }
}

/** A new terminal pair from the devpts mounted at `devpts` (for exec: the container's own /dev/pts). */
export function openTtyIn(devpts: string): { master: number; slave: number; slavePath: string } {
  let master = -1;
  try {
    master = libc.openFd(`${devpts}/ptmx`, libc.O_RDWR | libc.O_NOCTTY | libc.O_CLOEXEC);
    libc.ioctl(master, TIOCSPTLCK, new Uint8Array(4)); // unlock
    const n = new Uint32Array(1);
    libc.ioctl(master, TIOCGPTN, new Uint8Array(n.buffer));
    const slavePath = `${devpts}/${n[0]}`;
    const slave = libc.openFd(slavePath, libc.O_RDWR | libc.O_NOCTTY);
    followHostSize(master); // before the command starts: it may ask for the size at once
    return { master, slave, slavePath };
  } catch (err) {
    if (master >= 0) libc.closeFd(master);
    throw err;
  }
}

const DEVPTS_SUPER_MAGIC = 0x1cd1;

/**
 * A terminal from a running container's own devpts (for `exec -t`), found through an fd of its root:
 * `/dev/pts` must be a devpts filesystem inside the container and `ptmx` its multiplexer device — a
 * container that put a symlink, a FIFO or another filesystem there gets an error, never a host terminal.
 */
export function openTtyInRoot(rootfs: string): { master: number; slave: number } {
  const fail = () => new BerthError("the container's /dev/pts is not its devpts: cannot allocate a terminal");
  const root = openDir(rootfs);
  let pts = -1;
  let master = -1;
  try {
    pts = tryOpenInRoot(root, "/dev/pts", O_RDONLY | O_DIRECTORY);
    if (pts < 0) throw fail();
    const sfs = new BigInt64Array(15); // struct statfs: f_type first
    if (trySys(138 /* fstatfs */, pts, new Uint8Array(sfs.buffer)) < 0 || Number(sfs[0]) !== DEVPTS_SUPER_MAGIC) throw fail();
    master = tryOpenAt(pts, "ptmx", libc.O_RDWR | libc.O_NOCTTY | O_NOFOLLOW);
    if (master < 0 || (fstat(master).mode & 0o170000) !== 0o020000) throw fail();
    libc.ioctl(master, TIOCSPTLCK, new Uint8Array(4)); // unlock
    const n = new Uint32Array(1);
    libc.ioctl(master, TIOCGPTN, new Uint8Array(n.buffer));
    const slave = tryOpenAt(pts, String(n[0]), libc.O_RDWR | libc.O_NOCTTY | O_NOFOLLOW);
    if (slave < 0) throw fail();
    libc.setCloseOnExec(slave, false); // the container's process inherits it, as openTtyIn's
    followHostSize(master);
    const out = { master, slave };
    master = -1;
    return out;
  } finally {
    if (master >= 0) closeQuietly(master);
    closeQuietly(pts);
    closeQuietly(root);
  }
}

/** Gives the container's terminal the size of berth's own, if berth has one. */
function followHostSize(master: number): void {
  try {
    const { columns, rows } = Deno.consoleSize();
    resizeTty(master, columns, rows);
  } catch { /* berth's stdout is not a terminal */ }
}

export function resizeTty(fd: number, columns: number, rows: number): void {
  const ws = new Uint16Array([rows, columns, 0, 0]);
  try {
    libc.ioctl(fd, TIOCSWINSZ, new Uint8Array(ws.buffer));
  } catch { /* the container is gone */ }
}

/** Once the container has its own mount of the devpts: berth's mount and follower fd are not needed. */
export function releaseHostSide(t: ContainerTty): void {
  libc.closeFd(t.slave);
  try {
    umount2(t.devpts, MNT_DETACH);
  } catch { /* already gone */ }
}

/**
 * Copies berth's stdin to the terminal (when `input`) and the terminal to berth's stdout until the
 * container's side closes; puts berth's own terminal in raw mode meanwhile. Returns a function that
 * stops and restores the terminal.
 */
export function attachTty(
  t: { master: number },
  input: boolean,
  /** also given what the terminal printed (a foreground container's log) */
  onOutput?: (bytes: Uint8Array) => void,
): { done: Promise<void>; restore: () => void } {
  const isTerm = Deno.stdin.isTerminal();
  const follow = () => followHostSize(t.master);
  Deno.addSignalListener("SIGWINCH", follow);
  if (input && isTerm) Deno.stdin.setRaw(true, { cbreak: false });
  let stopped = false;
  if (input) {
    (async () => {
      const buf = new Uint8Array(4096);
      while (!stopped) {
        const n = await Deno.stdin.read(buf);
        if (n === null || stopped) break;
        try {
          libc.writeAllSync(t.master, buf.subarray(0, n));
        } catch {
          break;
        }
      }
    })();
  }
  const done = (async () => {
    const buf = new Uint8Array(65536);
    for (;;) {
      let n: number;
      try {
        n = await libc.readAsync(t.master, buf);
      } catch {
        break; // EIO: every follower fd is closed, the container is done
      }
      if (n <= 0) break;
      onOutput?.(buf.subarray(0, n));
      let off = 0;
      while (off < n) off += Deno.stdout.writeSync(buf.subarray(off, n));
    }
  })();
  const restore = () => {
    stopped = true;
    Deno.removeSignalListener("SIGWINCH", follow);
    if (input && isTerm) {
      try {
        Deno.stdin.setRaw(false);
      } catch { /* stdin closed */ }
    }
    try {
      libc.closeFd(t.master);
    } catch { /* closed */ }
  };
  return { done, restore };
}
