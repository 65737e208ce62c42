/** Ordinary users for the rootless tests: made with subordinate id ranges, berth run as them, removed after. */
import { BERTH, berth } from "./berth.ts";

const dec = new TextDecoder();

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

export async function sh(cmd: string[]): Promise<Output> {
  const r = await new Deno.Command(cmd[0], { args: cmd.slice(1), stdout: "piped", stderr: "piped" }).output();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** `berth ARGS` as `user`, with a login environment (HOME, no XDG_RUNTIME_DIR: the /tmp fallback). */
export async function as(user: string, args: string[]): Promise<Output> {
  const quoted = [BERTH, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return await sh(["su", "-", user, "-s", "/bin/sh", "-c", `cd /tmp && ${quoted}`]);
}

/** The user's lines in /etc/subuid and /etc/subgid replaced by these (none: no range at all). */
export function setRanges(name: string, uids?: string, gids?: string): void {
  for (const [file, range] of [["/etc/subuid", uids], ["/etc/subgid", gids]] as const) {
    const kept = Deno.readTextFileSync(file).split("\n").filter((l) => l && !l.startsWith(`${name}:`));
    Deno.writeTextFileSync(file, [...kept, ...(range ? [`${name}:${range}`] : [])].join("\n") + "\n");
  }
}

/** A user with a home and these ranges (made anew: one left by an earlier run goes first). */
export async function addUser(name: string, uids?: string, gids?: string): Promise<{ uid: number; gid: number }> {
  await removeUser(name);
  const made = await sh(["useradd", "-m", "-s", "/bin/sh", name]);
  if (made.code !== 0) throw new Error(`useradd ${name}: ${made.stderr}`);
  setRanges(name, uids, gids);
  return { uid: Number((await sh(["id", "-u", name])).stdout), gid: Number((await sh(["id", "-g", name])).stdout) };
}

/** The user, every process of theirs, their ranges and their runtime dir: gone. */
export async function removeUser(name: string): Promise<void> {
  const uid = (await sh(["id", "-u", name])).stdout.trim();
  if (!uid) return;
  await sh(["pkill", "-KILL", "-u", name]);
  await new Promise((r) => setTimeout(r, 200));
  await sh(["userdel", "-r", "-f", name]);
  setRanges(name);
  await Deno.remove(`/tmp/berth-run-${uid}`, { recursive: true }).catch(() => {});
}

/**
 * Builds, as root in `root`, a busybox image `tag` from `ctx` (Dockerfile: busybox and its links, then `more`,
 * with `files` written into the context first) and saves it as `ctx/tarName`, readable by any user to load.
 */
export async function busyboxImageTar(
  root: string,
  ctx: string,
  tag: string,
  tarName: string,
  more: string,
  files: Record<string, string>,
): Promise<string> {
  Deno.mkdirSync(`${ctx}/bin`);
  Deno.copyFileSync("/bin/busybox", `${ctx}/bin/busybox`);
  for (const [name, text] of Object.entries(files)) Deno.writeTextFileSync(`${ctx}/${name}`, text);
  Deno.writeTextFileSync(`${ctx}/Dockerfile`, `FROM scratch\nCOPY bin /bin\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n${more}`);
  const built = await berth(root, ["build", "-q", "--network", "none", "-t", tag, ctx]);
  if (built.code !== 0) throw new Error(`build ${tag}: ${built.stderr}`);
  const tar = `${ctx}/${tarName}`;
  const saved = await berth(root, ["save", "-o", tar, tag]);
  if (saved.code !== 0) throw new Error(`save ${tag}: ${saved.stderr}`);
  Deno.chmodSync(ctx, 0o755);
  Deno.chmodSync(tar, 0o644);
  return tar;
}
