/**
 * posix_spawn with an argv[0] of the caller's choosing (Deno.Command cannot set it: dockerd's hook is
 * `/proc/PID/exe` called as `libnetwork-setkey`) and with stdin and stderr as pipes: fds 0 and 2 are
 * pointed at the pipes around the (synchronous) spawn and restored at once — for short-lived commands
 * such as the OCI runtime's, which write nothing meanwhile.
 */
import { closeFd, dupFd, pipe, readAllText, writeAllSync } from "./fd.ts";
import { type ExitStatus, spawnProcess, waitProcess } from "./spawn.ts";
import { sys } from "./sys.ts";

const NR_dup2 = 33;

export interface SpawnedWithStdio {
  pid: number;
  /** everything it wrote on stderr, once it closed it */
  stderr: Promise<string>;
  status: Promise<ExitStatus>;
}

export function spawnWithStdio(path: string, argv: string[], env: string[], stdin: Uint8Array): SpawnedWithStdio {
  const [inR, inW] = pipe();
  const [errR, errW] = pipe();
  const saved0 = dupFd(0), saved2 = dupFd(2);
  let pid: number;
  try {
    sys("dup2 stdin", NR_dup2, inR, 0);
    sys("dup2 stderr", NR_dup2, errW, 2);
    pid = spawnProcess(path, argv, env);
  } finally {
    sys("restore stdin", NR_dup2, saved0, 0);
    sys("restore stderr", NR_dup2, saved2, 2);
    for (const fd of [saved0, saved2, inR, errW]) closeFd(fd);
  }
  // small (a state document): the pipe takes it whole
  try {
    writeAllSync(inW, stdin);
  } catch { /* it did not read its stdin */ } finally {
    closeFd(inW);
  }
  return { pid, stderr: readAllText(errR), status: waitProcess(pid) };
}
