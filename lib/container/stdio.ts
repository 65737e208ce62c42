/** Where the container's stdin, stdout and stderr go: berth's own, /dev/null, or pipes berth reads. */
import * as libc from "../ffi/fd.ts";

/** berth's own, /dev/null, a pipe berth reads or writes, or an fd given to the container (its owner closes it after the start) */
export type Stdio = "inherit" | "piped" | "null" | { fd: number };

export interface ContainerStdio {
  /** the init's fd → berth's fd to give it */
  fds: Record<number, number>;
  stdin: WritableStream<Uint8Array> | null;
  stdout: ReadableStream<Uint8Array> | null;
  stderr: ReadableStream<Uint8Array> | null;
  /** once the init is spawned: closes berth's copies of the fds it got */
  closeChildEnds(): void;
}

export function containerStdio(
  want: { stdin?: Stdio; stdout?: Stdio; stderr?: Stdio } | undefined,
  tty: boolean,
  openStdin: boolean,
): ContainerStdio {
  const modes: Stdio[] = [
    want?.stdin ?? (tty || !openStdin ? "null" : "inherit"),
    want?.stdout ?? "inherit",
    want?.stderr ?? "inherit",
  ];
  const fds: Record<number, number> = {};
  const childEnds: number[] = [];
  const ours: (number | null)[] = [null, null, null];
  modes.forEach((mode, n) => {
    if (typeof mode === "object") fds[n] = mode.fd;
    else if (mode === "null") {
      const fd = libc.openFd("/dev/null", libc.O_RDWR | libc.O_CLOEXEC);
      fds[n] = fd;
      childEnds.push(fd);
    } else if (mode === "piped") {
      const [r, w] = libc.pipe();
      fds[n] = n === 0 ? r : w;
      childEnds.push(fds[n]);
      ours[n] = n === 0 ? w : r;
    }
  });
  return {
    fds,
    stdin: ours[0] === null ? null : libc.fdWritable(ours[0]),
    stdout: ours[1] === null ? null : libc.fdReadable(ours[1]),
    stderr: ours[2] === null ? null : libc.fdReadable(ours[2]),
    closeChildEnds: () => childEnds.forEach((fd) => libc.closeFd(fd)),
  };
}
