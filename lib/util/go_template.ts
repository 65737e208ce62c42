/**
 * Go's text/template, the part `docker … --format` users write: text and `{{ }}` actions with `{{-`/`-}}`
 * trimming; fields and chains (`.State.Pid`, `.`), variables (`$`, `$x := …`, `range $k, $v := …`),
 * string, raw-string, number and bool literals, parenthesised pipelines, `|` pipes; `if`/`else if`/`else`,
 * `range` (arrays, and maps in key order) with `else`, `with`; Go's functions (`and or not len index print
 * printf println eq ne lt le gt ge`) and Docker's (`json join split lower upper title pad truncate`). A field
 * whose value is a function is called with the arguments that follow it (`{{.Label "com.x"}}`). Values print
 * as Go's `%v` does (`[a b]`, `map[k:v]`, `<no value>`).
 *
 * @example
 * ```ts
 * const t = parseTemplate("{{.Name}} {{range .Ports}}{{.}} {{end}}");
 * t.execute({ Name: "web", Ports: [80, 443] }); // "web 80 443 "
 * ```
 */

export class TemplateError extends Error {
  constructor(message: string) {
    super(`template: ${message}`);
    this.name = "TemplateError";
  }
}

type Func = (...args: unknown[]) => unknown;

interface Term {
  kind: "field" | "var" | "lit" | "ident" | "pipe";
  /** field: the chain; var: the name then the chain; ident: the function's name */
  names: string[];
  value?: unknown;
  pipe?: Pipeline;
}
interface Command {
  terms: Term[];
}
interface Pipeline {
  decl: string[];
  commands: Command[];
}
type Node =
  | { type: "text"; text: string }
  | { type: "action"; pipe: Pipeline }
  | { type: "if" | "with"; pipe: Pipeline; then: Node[]; else: Node[] }
  | { type: "range"; pipe: Pipeline; then: Node[]; else: Node[] };

// ---- lexing: the template into text and action strings

interface Piece {
  text?: string;
  action?: string;
}

function split(src: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    if (open < 0) {
      pieces.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith("- ", start) || src.startsWith("-\t", start) || src.startsWith("-\n", start)) {
      text = text.replace(/\s+$/, "");
      start += 1;
    }
    if (text) pieces.push({ text });
    // the end of the action: the first }} outside a string
    let j = start, quote = "";
    for (; j < src.length; j++) {
      const c = src[j];
      if (quote) {
        if (c === "\\" && quote === '"') j++;
        else if (c === quote) quote = "";
      } else if (c === '"' || c === "`") quote = c;
      else if (c === "}" && src[j + 1] === "}") break;
    }
    if (j >= src.length) throw new TemplateError("unclosed action");
    let action = src.slice(start, j);
    i = j + 2;
    if (/\s-$/.test(action)) {
      action = action.slice(0, -1);
      const m = /^\s*/.exec(src.slice(i))!;
      i += m[0].length;
    }
    pieces.push({ action: action.trim() });
  }
  return pieces;
}

type Token = { t: "field" | "var" | "str" | "num" | "bool" | "nil" | "ident" | "op"; v: string };

function tokenize(action: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = action.slice(i);
    let m: RegExpExecArray | null;
    if (rest.startsWith(":=")) {
      out.push({ t: "op", v: ":=" });
      i += 2;
    } else if ("|(),=".includes(c)) {
      out.push({ t: "op", v: c });
      i++;
    } else if (c === '"') {
      m = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      if (!m) throw new TemplateError(`unterminated string in {{${action}}}`);
      out.push({ t: "str", v: JSON.parse(m[0]) });
      i += m[0].length;
    } else if (c === "`") {
      const end = action.indexOf("`", i + 1);
      if (end < 0) throw new TemplateError(`unterminated raw string in {{${action}}}`);
      out.push({ t: "str", v: action.slice(i + 1, end) });
      i = end + 1;
    } else if ((m = /^(\.[A-Za-z_]\w*)+/.exec(rest)) || (m = /^\.(?![\w.])/.exec(rest))) {
      out.push({ t: "field", v: m[0] });
      i += m[0].length;
    } else if ((m = /^\$\w*(\.[A-Za-z_]\w*)*/.exec(rest))) {
      out.push({ t: "var", v: m[0] });
      i += m[0].length;
    } else if ((m = /^-?\d+(\.\d+)?/.exec(rest))) {
      out.push({ t: "num", v: m[0] });
      i += m[0].length;
    } else if ((m = /^[A-Za-z_]\w*/.exec(rest))) {
      const w = m[0];
      out.push(w === "true" || w === "false" ? { t: "bool", v: w } : w === "nil" ? { t: "nil", v: w } : { t: "ident", v: w });
      i += w.length;
    } else if (c === ".") {
      // a chain after a parenthesised pipeline: (index . 0).Name
      m = /^(\.[A-Za-z_]\w*)+/.exec(rest);
      if (!m) throw new TemplateError(`unexpected "." in {{${action}}}`);
      out.push({ t: "field", v: m[0] });
      i += m[0].length;
    } else throw new TemplateError(`unexpected "${c}" in {{${action}}}`);
  }
  return out;
}

// ---- parsing

class Parser {
  #i = 0;
  constructor(readonly tokens: Token[], readonly src: string) {}

  pipeline(stop = ""): Pipeline {
    const decl: string[] = [];
    // `$x :=` or `$i, $e :=`
    const save = this.#i;
    const names: string[] = [];
    while (this.tokens[this.#i]?.t === "var") {
      names.push(this.tokens[this.#i++].v);
      if (this.tokens[this.#i]?.v === ",") this.#i++;
      else break;
    }
    if (names.length && (this.tokens[this.#i]?.v === ":=" || this.tokens[this.#i]?.v === "=")) {
      this.#i++;
      decl.push(...names);
    } else this.#i = save;
    const commands: Command[] = [];
    let terms: Term[] = [];
    while (this.#i < this.tokens.length && this.tokens[this.#i].v !== stop) {
      const tok = this.tokens[this.#i];
      if (tok.t === "op" && tok.v === "|") {
        if (!terms.length) throw new TemplateError(`missing command before | in {{${this.src}}}`);
        commands.push({ terms });
        terms = [];
        this.#i++;
        continue;
      }
      terms.push(this.term());
    }
    if (terms.length) commands.push({ terms });
    if (!commands.length) throw new TemplateError(`missing value in {{${this.src}}}`);
    return { decl, commands };
  }

  term(): Term {
    const tok = this.tokens[this.#i++];
    switch (tok.t) {
      case "field":
        return { kind: "field", names: tok.v === "." ? [] : tok.v.slice(1).split(".") };
      case "var": {
        const [name, ...chain] = tok.v.split(".");
        return { kind: "var", names: [name, ...chain] };
      }
      case "str":
        return { kind: "lit", names: [], value: tok.v };
      case "num":
        return { kind: "lit", names: [], value: Number(tok.v) };
      case "bool":
        return { kind: "lit", names: [], value: tok.v === "true" };
      case "nil":
        return { kind: "lit", names: [], value: null };
      case "ident":
        return { kind: "ident", names: [tok.v] };
      case "op":
        if (tok.v === "(") {
          const pipe = this.pipeline(")");
          if (this.tokens[this.#i++]?.v !== ")") throw new TemplateError(`unclosed ( in {{${this.src}}}`);
          const next = this.tokens[this.#i];
          const names = next?.t === "field" && next.v !== "." && !/\s/.test(next.v) ? (this.#i++, next.v.slice(1).split(".")) : [];
          return { kind: "pipe", names, pipe };
        }
    }
    throw new TemplateError(`unexpected "${tok.v}" in {{${this.src}}}`);
  }
}

function parsePipeline(action: string): Pipeline {
  return new Parser(tokenize(action), action).pipeline();
}

/** The node list up to an `else`/`end` (which is returned too). */
function parseNodes(pieces: Piece[], at: { i: number }, inside: string): { nodes: Node[]; end: string } {
  const nodes: Node[] = [];
  while (at.i < pieces.length) {
    const p = pieces[at.i++];
    if (p.text !== undefined) {
      nodes.push({ type: "text", text: p.text });
      continue;
    }
    const a = p.action!;
    if (a.startsWith("/*")) continue; // a comment
    const word = /^\w+/.exec(a)?.[0];
    if (word === "end" || word === "else") {
      if (!inside) throw new TemplateError(`unexpected {{${word}}}`);
      return { nodes, end: a };
    }
    if (word === "if" || word === "range" || word === "with") {
      nodes.push(parseBlock(word, a.slice(word.length).trim(), pieces, at));
      continue;
    }
    if (word === "define" || word === "template" || word === "block") throw new TemplateError(`{{${word}}} is not supported`);
    nodes.push({ type: "action", pipe: parsePipeline(a) });
  }
  if (inside) throw new TemplateError(`unexpected EOF: {{${inside}}} has no {{end}}`);
  return { nodes, end: "" };
}

function parseBlock(word: "if" | "range" | "with", cond: string, pieces: Piece[], at: { i: number }): Node {
  const pipe = parsePipeline(cond);
  const body = parseNodes(pieces, at, word);
  let otherwise: Node[] = [];
  if (body.end.startsWith("else")) {
    const rest = body.end.slice(4).trim();
    if (rest.startsWith("if ") && word === "if") {
      // else if: a nested if that consumes the same {{end}}
      otherwise = [parseBlock("if", rest.slice(3), pieces, at)];
    } else if (rest.startsWith("with ") && word === "with") {
      otherwise = [parseBlock("with", rest.slice(5), pieces, at)];
    } else {
      const e = parseNodes(pieces, at, word);
      if (e.end !== "end") throw new TemplateError(`expected {{end}} after {{else}}`);
      otherwise = e.nodes;
    }
  } else if (body.end !== "end") throw new TemplateError(`expected {{end}}`);
  return { type: word, pipe, then: body.nodes, else: otherwise };
}

// ---- values as Go prints them, and Go's notion of truth

export function goString(v: unknown): string {
  if (v === undefined || v === null) return "<no value>";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return `[${v.map(goString).join(" ")}]`;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") {
    const keys = Object.keys(v as object).sort();
    return `map[${keys.map((k) => `${k}:${goString((v as Record<string, unknown>)[k])}`).join(" ")}]`;
  }
  return String(v);
}

function truth(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}

function printf(format: string, ...args: unknown[]): string {
  let n = 0;
  return format.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([%svdqtxXfeg])/g, (_all, flags: string, width: string, prec: string, verb: string) => {
    if (verb === "%") return "%";
    const a = args[n++];
    let s: string;
    switch (verb) {
      case "d":
        s = String(Math.trunc(Number(a)));
        break;
      case "q":
        s = JSON.stringify(goString(a));
        break;
      case "x":
      case "X":
        s = typeof a === "number" ? a.toString(16) : [...new TextEncoder().encode(goString(a))].map((b) => b.toString(16).padStart(2, "0")).join("");
        if (verb === "X") s = s.toUpperCase();
        break;
      case "f":
      case "e":
      case "g":
        s = verb === "f" ? Number(a).toFixed(prec ? Number(prec) : 6) : verb === "e" ? Number(a).toExponential(prec ? Number(prec) : 6) : String(Number(a));
        break;
      default:
        s = goString(a);
        if (prec && verb === "s") s = s.slice(0, Number(prec));
    }
    const w = Number(width || 0);
    if (s.length < w) s = flags.includes("-") ? s.padEnd(w) : s.padStart(w, flags.includes("0") && verb !== "s" ? "0" : " ");
    return s;
  }) + (n < args.length ? `%!(EXTRA ${args.slice(n).map(goString).join(", ")})` : "");
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError(`incompatible types for comparison`);
}

const FUNCS: Record<string, Func> = {
  and: (...a) => a.find((x) => !truth(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truth(x)) ?? a[a.length - 1],
  not: (a) => !truth(a),
  len: (a) => {
    if (typeof a === "string" || Array.isArray(a)) return a.length;
    if (a && typeof a === "object") return Object.keys(a).length;
    throw new TemplateError(`len of ${goString(a)}`);
  },
  index: (a, ...keys) => {
    let v = a;
    for (const k of keys) {
      if (v === null || v === undefined) throw new TemplateError("index of untyped nil");
      v = (v as Record<string, unknown>)[k as string];
    }
    return v;
  },
  print: (...a) => a.map(goString).join(""),
  println: (...a) => a.map(goString).join(" ") + "\n",
  printf: (f, ...a) => printf(String(f), ...a),
  eq: (a, ...b) => b.some((x) => x === a),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  // Docker's
  json: (a) => JSON.stringify(a ?? null),
  join: (a, sep) => (Array.isArray(a) ? a.map(goString).join(String(sep)) : goString(a)),
  split: (a, sep) => String(a).split(String(sep)),
  lower: (a) => goString(a).toLowerCase(),
  upper: (a) => goString(a).toUpperCase(),
  title: (a) => goString(a).replace(/\b\w/g, (c) => c.toUpperCase()),
  pad: (a, l, r) => " ".repeat(Number(l)) + goString(a) + " ".repeat(Number(r)),
  truncate: (a, n) => goString(a).slice(0, Number(n)),
};

// ---- execution

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>[];
}

function lookupVar(s: Scope, name: string): unknown {
  for (let i = s.vars.length - 1; i >= 0; i--) if (s.vars[i].has(name)) return s.vars[i].get(name);
  throw new TemplateError(`undefined variable: ${name}`);
}

function field(v: unknown, names: string[], args: unknown[], last: boolean): unknown {
  for (const [i, n] of names.entries()) {
    if (v === null || v === undefined) throw new TemplateError(`nil pointer evaluating .${names.slice(0, i + 1).join(".")}`);
    if (typeof v !== "object") throw new TemplateError(`can't evaluate field ${n} in type ${typeof v}`);
    let next = (v as Record<string, unknown>)[n];
    if (typeof next === "function") next = (next as Func).call(v, ...(i === names.length - 1 && last ? args : []));
    else if (i === names.length - 1 && last && args.length) throw new TemplateError(`${n} is not a method but has arguments`);
    v = next;
  }
  return v;
}

function evalTerm(t: Term, s: Scope, args: unknown[], isCommand: boolean): unknown {
  switch (t.kind) {
    case "lit":
      return t.value;
    case "field":
      return field(s.dot, t.names, args, isCommand);
    case "var":
      return field(lookupVar(s, t.names[0]), t.names.slice(1), args, isCommand);
    case "pipe":
      return field(runPipeline(t.pipe!, s), t.names, args, isCommand);
    case "ident": {
      const fn = FUNCS[t.names[0]];
      if (!fn) throw new TemplateError(`function "${t.names[0]}" not defined`);
      return isCommand ? fn(...args) : fn();
    }
  }
}

function runCommand(c: Command, s: Scope, piped: unknown[]): unknown {
  const [head, ...rest] = c.terms;
  const args = [...rest.map((t) => evalTerm(t, s, [], false)), ...piped];
  return evalTerm(head, s, args, true);
}

function runPipeline(p: Pipeline, s: Scope): unknown {
  let v: unknown;
  p.commands.forEach((c, i) => (v = runCommand(c, s, i ? [v] : [])));
  if (p.decl.length === 1) s.vars[s.vars.length - 1].set(p.decl[0], v);
  return v;
}

function run(nodes: Node[], s: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.type) {
      case "text":
        out.push(n.text);
        break;
      case "action": {
        const v = runPipeline(n.pipe, s);
        if (!n.pipe.decl.length) out.push(goString(v));
        break;
      }
      case "if":
      case "with": {
        s.vars.push(new Map());
        const v = runPipeline(n.pipe, s);
        if (truth(v)) run(n.then, n.type === "with" ? { dot: v, vars: s.vars } : s, out);
        else run(n.else, s, out);
        s.vars.pop();
        break;
      }
      case "range": {
        s.vars.push(new Map());
        const decl = n.pipe.decl;
        const v = runPipeline({ ...n.pipe, decl: [] }, s);
        const entries: Array<[unknown, unknown]> = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v && typeof v === "object"
          ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
          : typeof v === "number"
          ? Array.from({ length: v }, (_, i) => [i, i])
          : v === null || v === undefined
          ? []
          : (() => {
            throw new TemplateError(`range can't iterate over ${goString(v)}`);
          })();
        if (!entries.length) run(n.else, s, out);
        for (const [k, x] of entries) {
          const vars = new Map<string, unknown>();
          if (decl.length === 1) vars.set(decl[0], x);
          if (decl.length === 2) {
            vars.set(decl[0], k);
            vars.set(decl[1], x);
          }
          run(n.then, { dot: x, vars: [...s.vars, vars] }, out);
        }
        s.vars.pop();
        break;
      }
    }
  }
}

export interface Template {
  execute(data: unknown): string;
}

/** Parses `src`; a syntax error is a {@link TemplateError}. */
export function parseTemplate(src: string): Template {
  const nodes = parseNodes(split(src), { i: 0 }, "").nodes;
  return {
    execute(data: unknown): string {
      const out: string[] = [];
      run(nodes, { dot: data, vars: [new Map([["$", data]])] }, out);
      return out.join("");
    },
  };
}
