/**
 * Dockerfile parsing: parser directives (`# escape=`), comments, line continuations, instructions
 * with their line numbers, JSON and shell forms, and variable substitution (`$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR:+alt}`, escaped with the escape character).
 *
 * @example
 * ```ts
 * const df = parseDockerfile("ARG V=1\nFROM busybox AS base\nRUN echo $V");
 * console.log(df.stages[0].name, df.stages[0].instructions[0].args); // "base" "echo $V"
 * ```
 */
import { BerthError } from "../util/errors.ts";

export interface Instruction {
  /** upper case: RUN, COPY, … */
  cmd: string;
  /** the text after the instruction word (continuations joined) */
  args: string;
  /** `--from=x`, `--chown=u:g` … before the arguments */
  flags: Record<string, string>;
  /** 1-based line of the instruction */
  line: number;
  /** the instruction as written (continuations joined), for history and cache keys */
  original: string;
}

export interface Stage {
  /** the FROM's image (variables not yet substituted) */
  from: string;
  name?: string;
  index: number;
  line: number;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM */
  globalArgs: Instruction[];
  stages: Stage[];
  escape: string;
}

const KNOWN = new Set([
  "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
  "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
]);

export function parseDockerfile(text: string, file = "Dockerfile"): Dockerfile {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  let escape = "\\";
  // parser directives: only at the very top, before any comment or instruction
  for (const l of lines) {
    const m = l.match(/^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/);
    if (!m) break;
    if (m[1].toLowerCase() === "escape") {
      if (m[2] !== "\\" && m[2] !== "`") throw new BerthError(`${file}:1: invalid escape token '${m[2]}': must be \\ or \``);
      escape = m[2];
    }
  }
  const instructions: Instruction[] = [];
  let i = 0;
  while (i < lines.length) {
    const start = i;
    let line = lines[i++];
    if (/^\s*(#.*)?$/.test(line)) continue;
    // continuation: the escape character at the end; comment lines inside are skipped
    while (line.trimEnd().endsWith(escape) && i <= lines.length) {
      line = line.trimEnd().slice(0, -1);
      while (i < lines.length && /^\s*#/.test(lines[i])) i++;
      if (i >= lines.length) break;
      line += lines[i++];
    }
    const m = line.trim().match(/^(\S+)\s*([\s\S]*)$/);
    if (!m) continue;
    const cmd = m[1].toUpperCase();
    if (!KNOWN.has(cmd)) throw new BerthError(`${file}:${start + 1}: unknown instruction: ${m[1]}`);
    let rest = m[2];
    const flags: Record<string, string> = {};
    if (["COPY", "ADD", "FROM", "RUN", "HEALTHCHECK"].includes(cmd)) {
      for (let f; (f = rest.match(/^--([a-z-]+)(?:=(\S*))?\s*/));) {
        flags[f[1]] = f[2] ?? "true";
        rest = rest.slice(f[0].length);
      }
    }
    if (!rest.trim() && !["HEALTHCHECK"].includes(cmd)) throw new BerthError(`${file}:${start + 1}: ${cmd} requires at least one argument`);
    instructions.push({ cmd, args: rest.trim(), flags, line: start + 1, original: `${cmd} ${line.trim().slice(m[1].length).trim()}` });
  }
  const df: Dockerfile = { globalArgs: [], stages: [], escape };
  for (const ins of instructions) {
    if (ins.cmd === "FROM") {
      const parts = ins.args.split(/\s+/);
      if (parts.length !== 1 && !(parts.length === 3 && parts[1].toUpperCase() === "AS")) {
        throw new BerthError(`${file}:${ins.line}: FROM requires one image, optionally "AS name": ${ins.args}`);
      }
      df.stages.push({ from: parts[0], name: parts[2]?.toLowerCase(), index: df.stages.length, line: ins.line, instructions: [] });
    } else if (!df.stages.length) {
      if (ins.cmd !== "ARG") throw new BerthError(`${file}:${ins.line}: ${ins.cmd} before the first FROM (only ARG may come first)`);
      df.globalArgs.push(ins);
    } else df.stages[df.stages.length - 1].instructions.push(ins);
  }
  if (!df.stages.length) throw new BerthError(`${file}: no FROM instruction`);
  return df;
}

/** Substitutes `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR:+word}`; the escape character keeps a `$`. */
export function substitute(text: string, vars: Map<string, string>, escape = "\\"): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === escape && text[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    if (c !== "$") {
      out += c;
      continue;
    }
    if (text[i + 1] === "{") {
      const end = text.indexOf("}", i + 2);
      if (end < 0) throw new BerthError(`missing '}' in ${text}`);
      const body = text.slice(i + 2, end);
      const m = body.match(/^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([\s\S]*))?$/);
      if (!m) throw new BerthError(`bad substitution: \${${body}}`);
      const v = vars.get(m[1]);
      if (m[2] === "-") out += v ? v : substitute(m[3], vars, escape);
      else if (m[2] === "+") out += v ? substitute(m[3], vars, escape) : "";
      else out += v ?? "";
      i = end;
      continue;
    }
    const m = text.slice(i + 1).match(/^[A-Za-z_][A-Za-z0-9_]*/);
    if (!m) {
      out += c;
      continue;
    }
    out += vars.get(m[0]) ?? "";
    i += m[0].length;
  }
  return out;
}

/** JSON form (`["a","b"]`) or null for the shell form. */
export function jsonForm(args: string): string[] | null {
  const t = args.trim();
  if (!t.startsWith("[")) return null;
  try {
    const v = JSON.parse(t);
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? v : null;
  } catch {
    return null;
  }
}

/** Splits `a "b c" d` as the shell would for COPY/ADD sources and destinations. */
export function splitWords(args: string): string[] {
  const json = jsonForm(args);
  if (json) return json;
  const out: string[] = [];
  for (const m of args.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}
