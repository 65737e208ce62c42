/** The container's command, environment and working directory from the image config and Docker's flags. */
import type { ContainerConfig } from "../image/image_config.ts";
import { UsageError } from "../util/errors.ts";
import type { ProcessSpec } from "./spec.ts";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface ProcessFlags {
  command?: string[];
  /** `--entrypoint` (the API's Entrypoint: a list); "" or [""] or [] clears the image's */
  entrypoint?: string | string[];
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  groupAdd?: string[];
  tty?: boolean;
  interactive?: boolean;
  /** StdinOnce (see ProcessSpec) */
  stdinOnce?: boolean;
}

/** `KEY=VALUE` lines of an env file; `KEY` alone takes the host's value (and is dropped if unset). */
export function readEnvFile(path: string): string[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    throw new UsageError(`open ${path}: no such file or directory`);
  }
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

/** Merges env lists: later entries win, order of first appearance is kept. */
export function mergeEnv(...lists: string[][]): string[] {
  const m = new Map<string, string>();
  for (const list of lists) {
    for (const e of list) {
      const i = e.indexOf("=");
      if (i < 0) {
        const host = Deno.env.get(e);
        if (host !== undefined) m.set(e, `${e}=${host}`);
        continue;
      }
      if (i === 0) throw new UsageError(`invalid environment variable: ${e}`);
      m.set(e.slice(0, i), e);
    }
  }
  return [...m.values()];
}

export function processSpec(cfg: ContainerConfig, f: ProcessFlags, hostname: string): ProcessSpec {
  let entrypoint = cfg.Entrypoint ?? [];
  let cmd = cfg.Cmd ?? [];
  if (f.entrypoint !== undefined) {
    const given = typeof f.entrypoint === "string" ? [f.entrypoint] : f.entrypoint;
    entrypoint = given.length === 1 && given[0] === "" ? [] : given;
    cmd = []; // Docker drops the image's Cmd when the entrypoint is replaced
  }
  if (f.command?.length) cmd = f.command;
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw new UsageError("no command specified");
  const cwd = f.workdir ?? (cfg.WorkingDir || "/");
  if (!cwd.startsWith("/")) throw new UsageError(`the working directory '${cwd}' is invalid, it needs to be an absolute path`);
  const fromFiles = (f.envFile ?? []).flatMap(readEnvFile);
  const env = mergeEnv([`PATH=${DEFAULT_PATH}`], [`HOSTNAME=${hostname}`], cfg.Env ?? [], f.tty ? ["TERM=xterm"] : [], fromFiles, f.env ?? []);
  return {
    args,
    entrypoint: entrypoint.length ? entrypoint : undefined,
    cmd,
    env,
    cwd,
    user: f.user ?? cfg.User ?? "",
    groupAdd: f.groupAdd ?? [],
    tty: !!f.tty,
    openStdin: !!f.interactive,
    stdinOnce: f.interactive && f.stdinOnce ? true : undefined,
  };
}
