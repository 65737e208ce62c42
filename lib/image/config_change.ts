/**
 * Dockerfile instructions that change an image's configuration only — CMD, ENTRYPOINT, ENV, EXPOSE,
 * LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL — applied to a config (`berth commit -c`).
 *
 * @example
 * ```ts
 * applyChange(config, 'CMD ["nginx", "-g", "daemon off;"]');
 * applyChange(config, "ENV MODE=prod DEBUG=0");
 * ```
 */
import { UsageError } from "../util/errors.ts";
import type { ContainerConfig } from "./image_config.ts";

/** JSON form `["a", "b"]`, or the shell form run by `/bin/sh -c`. */
function execForm(rest: string): string[] {
  const t = rest.trim();
  if (t.startsWith("[")) {
    try {
      const v = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
    } catch { /* not JSON: shell form, as Docker does */ }
  }
  return ["/bin/sh", "-c", t];
}

/** `K=V K2="v 2"` pairs, or the old `K V` form. */
function pairs(rest: string, what: string): Array<[string, string]> {
  const t = rest.trim();
  if (!t.includes("=")) {
    const sp = t.search(/\s/);
    if (sp < 0) throw new UsageError(`${what} requires a value: ${t}`);
    return [[t.slice(0, sp), t.slice(sp).trim()]];
  }
  const out: Array<[string, string]> = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const m of t.matchAll(re)) {
    let v = m[2];
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    else if (v.startsWith("'")) v = v.slice(1, -1);
    out.push([m[1], v]);
  }
  if (!out.length) throw new UsageError(`${what}: cannot parse ${t}`);
  return out;
}

/** Applies one instruction to `cfg` (changed in place). */
export function applyChange(cfg: ContainerConfig, instruction: string): void {
  const m = instruction.trim().match(/^(\w+)\s*([\s\S]*)$/);
  if (!m) throw new UsageError(`invalid change: ${instruction}`);
  const [, word, rest] = m;
  switch (word.toUpperCase()) {
    case "CMD":
      cfg.Cmd = execForm(rest);
      return;
    case "ENTRYPOINT":
      cfg.Entrypoint = execForm(rest);
      return;
    case "ENV":
      for (const [k, v] of pairs(rest, "ENV")) cfg.Env = [...(cfg.Env ?? []).filter((e) => !e.startsWith(`${k}=`)), `${k}=${v}`];
      return;
    case "LABEL":
      cfg.Labels = { ...(cfg.Labels ?? {}), ...Object.fromEntries(pairs(rest, "LABEL")) };
      return;
    case "EXPOSE":
      for (const p of rest.trim().split(/\s+/).filter(Boolean)) {
        if (!/^\d+(\/(tcp|udp))?$/.test(p)) throw new UsageError(`invalid EXPOSE port: ${p}`);
        cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}), [p.includes("/") ? p : `${p}/tcp`]: {} };
      }
      return;
    case "USER":
      cfg.User = rest.trim();
      return;
    case "WORKDIR":
      cfg.WorkingDir = rest.trim();
      return;
    case "VOLUME": {
      const t = rest.trim();
      const json = execForm(t);
      const list = json[0] === "/bin/sh" && json[2] === t ? t.split(/\s+/) : json;
      for (const v of list) cfg.Volumes = { ...(cfg.Volumes ?? {}), [v]: {} };
      return;
    }
    case "STOPSIGNAL":
      cfg.StopSignal = rest.trim();
      return;
    default:
      throw new UsageError(`${word.toUpperCase()} is not a valid change command (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL)`);
  }
}
