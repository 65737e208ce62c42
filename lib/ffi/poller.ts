/**
 * One helper thread for all of berth's long waits: readable pipes and terminals, and children that
 * exit (as pidfds), in one epoll set.
 *
 * Why: Deno runs every `nonblocking` FFI call on a thread of a bounded pool. With a blocked `read`
 * per pipe and a blocked `waitpid` per child, the supervisor used three threads per container and
 * the pool ran dry at ten containers: the eleventh start waited until another container exited.
 * Now a process has at most one such thread waiting, in `epoll_wait`, however many fds it watches.
 *
 * Each wait is one-shot (EPOLLONESHOT): {@link whenReadable} arms the fd, the loop resolves its
 * promise once, and the caller then reads without blocking. {@link forget} must run before an fd
 * is closed (fd.ts's closeFd does it), so a reused fd number never inherits an old registration.
 */
import { ErrnoError, errno, sysLib, trySys } from "./sys.ts";

const EPOLLIN = 0x001;
const EPOLLONESHOT = 1 << 30;
const CTL_ADD = 1;
const CTL_DEL = 2;
const CTL_MOD = 3;
const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;
const EEXIST = 17;
/** struct epoll_event is packed on x86-64: u32 events, u64 data */
const EVENT_SIZE = 12;
const MAX_EVENTS = 64;

let ep = -1;
let wakeFd = -1;
let looping = false;
const waiters = new Map<number, () => void>();
const watched = new Set<number>();
const events = new Uint8Array(EVENT_SIZE * MAX_EVENTS);
const eventsView = new DataView(events.buffer);
const one = new Uint8Array(EVENT_SIZE);
const oneView = new DataView(one.buffer);
const wakeBuf = new Uint8Array(8);

function ctl(op: number, fd: number, flags: number): number {
  oneView.setUint32(0, flags, true);
  oneView.setBigUint64(4, BigInt(fd), true);
  return trySys(233 /* epoll_ctl */, ep, op, fd, one);
}

function setup(): void {
  if (ep >= 0) return;
  ep = trySys(291 /* epoll_create1 */, O_CLOEXEC);
  if (ep < 0) throw new ErrnoError("epoll_create1", errno());
  wakeFd = trySys(290 /* eventfd2 */, 0, O_CLOEXEC | O_NONBLOCK);
  if (wakeFd < 0) throw new ErrnoError("eventfd2", errno());
  if (ctl(CTL_ADD, wakeFd, EPOLLIN) < 0) throw new ErrnoError("epoll_ctl", errno());
}

/** Resolves once `fd` is readable (data, end of file, hang-up or error: a read will not block). */
export function whenReadable(fd: number): Promise<void> {
  setup();
  return new Promise((resolve, reject) => {
    const flags = EPOLLIN | EPOLLONESHOT;
    let r = watched.has(fd) ? ctl(CTL_MOD, fd, flags) : -1;
    if (r < 0) {
      // new to the set, or closed behind our back (the kernel then dropped it from the set)
      r = ctl(CTL_ADD, fd, flags);
      if (r < 0 && errno() === EEXIST) r = ctl(CTL_MOD, fd, flags);
    }
    if (r < 0) return reject(new ErrnoError("epoll_ctl", errno()));
    watched.add(fd);
    waiters.set(fd, resolve);
    if (!looping) loop();
  });
}

/** Drops `fd` from the set before it is closed; a pending wait on it resolves (its read then fails). */
export function forget(fd: number): void {
  if (!watched.delete(fd)) return;
  ctl(CTL_DEL, fd, 0);
  const w = waiters.get(fd);
  if (w) {
    waiters.delete(fd);
    w();
  }
  if (!waiters.size && looping) trySys(1 /* write */, wakeFd, new Uint8Array(new BigUint64Array([1n]).buffer), 8);
}

async function loop(): Promise<void> {
  looping = true;
  try {
    while (waiters.size) {
      const n = await sysLib().epollWait(ep, events, MAX_EVENTS, -1);
      for (let i = 0; i < n; i++) {
        const fd = Number(eventsView.getBigUint64(i * EVENT_SIZE + 4, true));
        if (fd === wakeFd) {
          trySys(0 /* read */, wakeFd, wakeBuf, 8);
          continue;
        }
        const w = waiters.get(fd);
        if (w) {
          waiters.delete(fd);
          w();
        }
      }
      // n < 0 is EINTR (the helper thread's errno): wait again
    }
  } finally {
    looping = false;
  }
}
