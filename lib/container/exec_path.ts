/** Finding the command in the container's PATH, as runc does before it execs (Docker's 127/126 errors). */
import { BerthError } from "../util/errors.ts";
import { isDirMode, type Stat } from "../ffi/dir_fd.ts";
import { isDir, statLite } from "../ffi/sys.ts";
import { statInRoot, withRootFd } from "./path_in_root.ts";
import { DEFAULT_PATH } from "./process_spec.ts";

/** What is mounted at `destination` in the container: a host file or directory, or "" for a tmpfs. */
export interface MountedDir {
  destination: string;
  source: string;
}

/**
 * stat of a container path as the command will see it: under the deepest mount that covers it (the
 * mounts are not made yet when berth looks), else in the rootfs; symlinks resolved inside either.
 */
function statIn(rootfs: string, path: string, mounts: MountedDir[]): Stat | null {
  let best: MountedDir | undefined;
  for (const m of mounts) {
    const d = m.destination.replace(/\/+$/, "");
    if ((path === d || path.startsWith(`${d}/`)) && (!best || d.length > best.destination.replace(/\/+$/, "").length)) best = m;
  }
  if (best) {
    const rest = path.slice(best.destination.replace(/\/+$/, "").length) || "/";
    if (!best.source) return null; // a fresh tmpfs is empty
    const st = statLite(best.source);
    if (st && !isDir(st)) return rest === "/" ? { ...st, dev: 0n, ino: 0n, nlink: 1, rdev: 0, atimeMs: 0, mtimeMs: 0 } : null;
    return withRootFd(best.source, (fd) => statInRoot(fd, rest));
  }
  return withRootFd(rootfs, (fd) => statInRoot(fd, path));
}

/** The command's path in the container; throws exit 127 when it is not found. */
export function resolveExecutable(rootfs: string, command: string, env: string[], cwd: string, mounts: MountedDir[] = []): string {
  if (command.includes("/")) {
    const abs = command.startsWith("/") ? command : `${cwd.replace(/\/$/, "")}/${command}`;
    if (!statIn(rootfs, abs, mounts)) {
      throw new BerthError(`exec: "${command}": stat ${command}: no such file or directory`, 127);
    }
    return command; // relative paths are resolved by execve in the working directory
  }
  const path = env.findLast((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  let notExecutable: string | undefined;
  for (const dir of path.split(":")) {
    const candidate = `${dir || "."}/${command}`;
    const st = statIn(rootfs, candidate.startsWith("/") ? candidate : `${cwd}/${candidate}`, mounts);
    if (!st || isDirMode(st.mode)) continue;
    if ((st.mode & 0o111) === 0) {
      notExecutable ??= candidate;
      continue;
    }
    return candidate;
  }
  if (notExecutable) return notExecutable; // execve reports the permission error (126)
  throw new BerthError(`exec: "${command}": executable file not found in $PATH`, 127);
}
