/**
 * A containerd of its own for a test or a bench: config, root, state and socket in `dir`, a containerd
 * namespace of its own (the runc shim keeps runtime state under /run/containerd/runc/NAMESPACE, and runtimes
 * make a cgroup named after it in every hierarchy), and a cleanup that removes all of that again.
 */
import { BERTH } from "./berth.ts";
import { fullBusybox } from "./run_images.ts";

export interface Containerd {
  sock: string;
  ns: string;
  /** `ctr -a SOCK -n NS ARGS…`: its stdout; throws unless it exits with `code` */
  ctr(args: string[], code?: number): Promise<string>;
  stop(): Promise<void>;
}

async function output(cmd: string, args: string[], code = 0): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", stdin: "null" }).output();
  const out = new TextDecoder().decode(r.stdout);
  if (r.code !== code) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.code}, wanted ${code}: ${out}${new TextDecoder().decode(r.stderr)}`);
  return out;
}

/** `DIR/bb.tar`: a busybox image (`bb:1`, built by berth from scratch) as a docker archive for a caller to load. */
export async function busyboxArchive(dir: string): Promise<string> {
  await fullBusybox(`${dir}/ctx/root`);
  Deno.writeTextFileSync(`${dir}/ctx/Dockerfile`, 'FROM scratch\nCOPY root/ /\nCMD ["sh"]\n');
  await output(BERTH, ["--root", `${dir}/berth`, "build", "-q", "-t", "bb:1", `${dir}/ctx`]);
  await output(BERTH, ["--root", `${dir}/berth`, "save", "-o", `${dir}/bb.tar`, "bb:1"]);
  return `${dir}/bb.tar`;
}

/** Unmounts what is mounted under `dir` (the deepest first). */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = Deno.readTextFileSync("/proc/self/mounts").split("\n").map((l) => l.split(" ")[1]).filter((m) => m?.startsWith(dir));
  for (const m of mounts.reverse()) await new Deno.Command("umount", { args: ["-l", m] }).output();
}

/** Removes the empty cgroup `name` (a path, e.g. `a/b`) under every hierarchy's root (what runtimes leave of a parent). */
export function removeCgroupParents(name: string): void {
  const roots = ["/sys/fs/cgroup", ...[...Deno.readDirSync("/sys/fs/cgroup")].filter((e) => e.isDirectory).map((e) => `/sys/fs/cgroup/${e.name}`)];
  for (const r of roots) {
    try {
      Deno.removeSync(`${r}/${name}`); // rmdir: only when no container cgroup is left in it
    } catch { /* none, or not empty */ }
  }
}

/**
 * Starts containerd with its state in `dir`. `wrap` runs it through another command line (the bench: inside
 * `unshare -m` without the unified hierarchy, so that crun runs).
 */
export async function startContainerd(dir: string, prefix: string, wrap?: (cmd: string) => [string, string[]]): Promise<Containerd> {
  const sock = `${dir}/containerd.sock`;
  const ns = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  Deno.writeTextFileSync(`${dir}/config.toml`, `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\n[grpc]\n  address = "${sock}"\n`);
  const [cmd, args] = wrap ? wrap(`exec /usr/bin/containerd --config ${dir}/config.toml`) : ["/usr/bin/containerd", ["--config", `${dir}/config.toml`]];
  const daemon = new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      Deno.statSync(sock);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const ctr = (a: string[], code = 0) => output("/usr/bin/ctr", ["-a", sock, "-n", ns, ...a], code);
  return {
    sock,
    ns,
    ctr,
    stop: async () => {
      for (const id of (await ctr(["containers", "ls", "-q"]).catch(() => "")).split("\n").filter(Boolean)) {
        await ctr(["task", "kill", "-s", "SIGKILL", id]).catch(() => {});
        await ctr(["task", "delete", id]).catch(() => {});
        await ctr(["containers", "rm", id]).catch(() => {});
      }
      daemon.kill("SIGTERM");
      await daemon.status;
      await unmountUnder(dir);
      await Deno.remove(`/run/containerd/runc/${ns}`, { recursive: true }).catch(() => {});
      removeCgroupParents(ns);
    },
  };
}
