/** Finding the command in the container's PATH, as runc does before it execs (Docker's 127/126 errors). */
import { BerthError } from "../util/errors.ts";
import { isDir, type StatLite, statLite } from "../ffi/sys.ts";
import { resolveInRoot } from "./path_in_root.ts";
import { DEFAULT_PATH } from "./process_spec.ts";

function statIn(rootfs: string, path: string): StatLite | null {
  return statLite(resolveInRoot(rootfs, path));
}

/** The command's path in the container; throws exit 127 when it is not found. */
export function resolveExecutable(rootfs: string, command: string, env: string[], cwd: string): string {
  if (command.includes("/")) {
    const abs = command.startsWith("/") ? command : `${cwd.replace(/\/$/, "")}/${command}`;
    if (!statIn(rootfs, abs)) {
      throw new BerthError(`exec: "${command}": stat ${command}: no such file or directory`, 127);
    }
    return command; // relative paths are resolved by execve in the working directory
  }
  const path = env.findLast((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  let notExecutable: string | undefined;
  for (const dir of path.split(":")) {
    const candidate = `${dir || "."}/${command}`;
    const st = statIn(rootfs, candidate.startsWith("/") ? candidate : `${cwd}/${candidate}`);
    if (!st || isDir(st)) continue;
    if ((st.mode & 0o111) === 0) {
      notExecutable ??= candidate;
      continue;
    }
    return candidate;
  }
  if (notExecutable) return notExecutable; // execve reports the permission error (126)
  throw new BerthError(`exec: "${command}": executable file not found in $PATH`, 127);
}
