/**
 * Where a berth of an ordinary user keeps things, as Podman does: storage under `$XDG_DATA_HOME/berth`
 * (default `~/.local/share/berth`), runtime state (the user namespace's holder, sockets) under
 * `$XDG_RUNTIME_DIR/berth` (or a private `/tmp/berth-run-UID`), settings in `$XDG_CONFIG_HOME/berth`.
 * Inside berth's user namespace the process is uid 0; `BERTH_ROOTLESS=UID:GID` says who it really is.
 *
 * @example
 * ```ts
 * import { rootlessUser, userPaths } from "./paths.ts";
 * const user = rootlessUser();
 * if (user) console.log(userPaths(user).storage); // /home/me/.local/share/berth
 * ```
 */
import { BerthError } from "../util/errors.ts";

export interface RootlessUser {
  uid: number;
  gid: number;
}

/** The user berth runs for when it is not root (or in its user namespace for one); undefined for root. */
export function rootlessUser(): RootlessUser | undefined {
  const marked = /^(\d+):(\d+)$/.exec(Deno.env.get("BERTH_ROOTLESS") ?? "");
  if (marked) return { uid: Number(marked[1]), gid: Number(marked[2]) };
  const uid = Deno.uid();
  return uid === 0 || uid === null ? undefined : { uid, gid: Deno.gid() ?? uid };
}

export interface UserPaths {
  storage: string;
  runtime: string;
  config: string;
}

export function userPaths(user: RootlessUser): UserPaths {
  const home = Deno.env.get("HOME");
  const xdg = (name: string, fallback: string) => {
    const v = Deno.env.get(name);
    if (v && v.startsWith("/")) return v;
    if (!home) throw new BerthError(`rootless: neither ${name} nor HOME is set: berth cannot tell where your containers go (or give --root)`);
    return `${home}/${fallback}`;
  };
  const runtimeBase = Deno.env.get("XDG_RUNTIME_DIR");
  return {
    storage: `${xdg("XDG_DATA_HOME", ".local/share")}/berth`,
    runtime: runtimeBase && runtimeBase.startsWith("/") ? `${runtimeBase}/berth` : `/tmp/berth-run-${user.uid}`,
    config: `${xdg("XDG_CONFIG_HOME", ".config")}/berth`,
  };
}

/**
 * The runtime directory, made if missing, private to the user: one that exists must be a real directory of
 * theirs with mode 0700 (in /tmp anyone could have made it first).
 */
export function ensureRuntimeDir(path: string, user: RootlessUser): string {
  try {
    Deno.mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
  const st = Deno.lstatSync(path);
  if (!st.isDirectory || (st.uid !== user.uid && st.uid !== 0) || (st.mode! & 0o077) !== 0) {
    throw new BerthError(`rootless: ${path} is not a private directory of yours (mode 0700): remove it, or set XDG_RUNTIME_DIR`);
  }
  return path;
}

/** The root a command works on without --root: BERTH_ROOT, else root's /var/lib/berth or the user's storage. */
export function defaultRoot(): string {
  const env = Deno.env.get("BERTH_ROOT");
  if (env) return env;
  const user = rootlessUser();
  return user ? userPaths(user).storage : "/var/lib/berth";
}
