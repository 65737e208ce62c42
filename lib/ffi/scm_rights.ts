/**
 * Sends one fd over a unix socket (an `SCM_RIGHTS` control message), as an OCI runtime hands the
 * terminal's leader end to the caller's `--console-socket`.
 */
import { closeFd } from "./fd.ts";
import { sys } from "./sys.ts";

const NR_socket = 41, NR_connect = 42, NR_sendmsg = 46;
const AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0o2000000, SOL_SOCKET = 1, SCM_RIGHTS = 1;

const pointer = (b: Uint8Array<ArrayBuffer>) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b)));

/** Connects to the socket at `path` and sends `fd` with one byte of data. */
export function sendFd(path: string, fd: number): void {
  const name = new TextEncoder().encode(path);
  if (name.length >= 108) throw new Error(`console socket path too long: ${path}`);
  const addr = new Uint8Array(110);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(name, 2);
  const sock = sys("socket(AF_UNIX)", NR_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  try {
    sys(`connect ${path}`, NR_connect, sock, addr, 2 + name.length + 1);
    // struct cmsghdr { size_t len; int level; int type; int fd; } padded to 24 bytes
    const control = new Uint8Array(24);
    const cv = new DataView(control.buffer);
    cv.setBigUint64(0, 20n, true);
    cv.setInt32(8, SOL_SOCKET, true);
    cv.setInt32(12, SCM_RIGHTS, true);
    cv.setInt32(16, fd, true);
    const data = new Uint8Array([0]);
    // struct iovec { void *base; size_t len; }
    const iov = new Uint8Array(16);
    const iv = new DataView(iov.buffer);
    iv.setBigUint64(0, pointer(data), true);
    iv.setBigUint64(8, 1n, true);
    // struct msghdr { name, namelen, iov, iovlen, control, controllen, flags }
    const msg = new Uint8Array(56);
    const mv = new DataView(msg.buffer);
    mv.setBigUint64(16, pointer(iov), true);
    mv.setBigUint64(24, 1n, true);
    mv.setBigUint64(32, pointer(control), true);
    mv.setBigUint64(40, 24n, true);
    sys("sendmsg(SCM_RIGHTS)", NR_sendmsg, sock, msg, 0);
  } finally {
    closeFd(sock);
  }
}
