/**
 * Packet filter rules through `iptables-restore --noflush`: every change is one batch, applied by
 * one process in one transaction (a rule per `iptables` run would cost ~5 ms each). berth's rules
 * live in its own chains — BERTH-INPUT and BERTH-FORWARD (filter), BERTH-POSTROUTING and BERTH-DNAT (nat) — jumped
 * to from the built-in ones, so they never reorder anyone else's, and each carries a comment naming
 * what it belongs to (`berth:net:ID`, `berth:ctr:ID`), by which it is found again and deleted.
 */
import { BerthError } from "../../util/errors.ts";
import { netHost } from "./net_host.ts";

export interface Rule {
  table: "filter" | "nat";
  chain: string;
  /** the rule's match and target, e.g. ["-i", "berth0", "-j", "ACCEPT"] */
  spec: string[];
}

const quote = (a: string) => (/^[\w@%+=:,./!-]+$/.test(a) ? a : `"${a.replace(/(["\\])/g, "\\$1")}"`);

async function run(tool: string, argv: string[], input?: string): Promise<{ ok: boolean; out: string; err: string }> {
  // in the namespace berth's bridges are in (an ordinary user's own: through nsenter)
  const { cmd, args, env } = (await netHost()).command(tool, argv);
  let child;
  try {
    child = new Deno.Command(cmd, { args, env, stdin: input === undefined ? "null" : "piped", stdout: "piped", stderr: "piped" }).spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new BerthError(`${cmd} not found: bridge networks need iptables (apt-get install iptables), or use --network none|host`);
    }
    throw err;
  }
  if (input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
  }
  const r = await child.output();
  const dec = new TextDecoder();
  return { ok: r.success, out: dec.decode(r.stdout), err: dec.decode(r.stderr).trim() };
}

/** The current rules of berth's chains (`-A CHAIN …` lines of `iptables -S`), by table. */
async function listBerthRules(): Promise<Record<"filter" | "nat", string[]>> {
  const out: Record<"filter" | "nat", string[]> = { filter: [], nat: [] };
  for (const table of ["filter", "nat"] as const) {
    const r = await run("iptables", ["-w", "-t", table, "-S"]);
    if (!r.ok) throw new BerthError(`iptables -t ${table} -S: ${r.err}`);
    out[table] = r.out.split("\n").filter((l) => l.startsWith("-A BERTH-") || l.startsWith("-N BERTH-") || / -j BERTH-/.test(l));
  }
  return out;
}

function batch(lines: Record<"filter" | "nat", string[]>): string {
  let text = "";
  for (const table of ["filter", "nat"] as const) {
    if (!lines[table].length) continue;
    text += `*${table}\n${lines[table].join("\n")}\nCOMMIT\n`;
  }
  return text;
}

async function restore(lines: Record<"filter" | "nat", string[]>, what: string): Promise<void> {
  const text = batch(lines);
  if (!text) return;
  const r = await run("iptables-restore", ["-w", "--noflush"], text);
  if (!r.ok) throw new BerthError(`${what}: iptables-restore: ${r.err}`);
}

/** berth's chains and the jumps to them, made once per host. */
function chainSetup(existing: Record<"filter" | "nat", string[]>): Record<"filter" | "nat", string[]> {
  const add: Record<"filter" | "nat", string[]> = { filter: [], nat: [] };
  const need = (table: "filter" | "nat", line: string) => {
    if (!existing[table].includes(line)) add[table].push(line);
  };
  if (!existing.filter.includes("-N BERTH-FORWARD")) add.filter.push(":BERTH-FORWARD - [0:0]");
  need("filter", "-A FORWARD -j BERTH-FORWARD");
  if (!existing.filter.includes("-N BERTH-INPUT")) add.filter.push(":BERTH-INPUT - [0:0]");
  need("filter", "-A INPUT -j BERTH-INPUT");
  if (!existing.nat.includes("-N BERTH-POSTROUTING")) add.nat.push(":BERTH-POSTROUTING - [0:0]");
  if (!existing.nat.includes("-N BERTH-DNAT")) add.nat.push(":BERTH-DNAT - [0:0]");
  need("nat", "-A POSTROUTING -j BERTH-POSTROUTING");
  need("nat", "-A PREROUTING -m addrtype --dst-type LOCAL -j BERTH-DNAT");
  need("nat", "-A OUTPUT -m addrtype --dst-type LOCAL -j BERTH-DNAT");
  // jumps go first in the built-in chains: -A would put them after a DROP someone else appended
  for (const table of ["filter", "nat"] as const) add[table] = add[table].map((l) => (/^-A (INPUT|FORWARD|POSTROUTING|PREROUTING|OUTPUT) /.test(l) ? l.replace(/^-A/, "-I") : l));
  return add;
}

const line = (r: Rule, tag: string) => `-A ${r.chain} ${[...r.spec, "-m", "comment", "--comment", tag].map(quote).join(" ")}`;

/**
 * Adds `rules` tagged `tag` (berth's chains are created first if missing); `check` sees the rules
 * there are first and may refuse (it throws).
 */
export async function addRules(tag: string, rules: Rule[], what: string, check?: (existing: Record<"filter" | "nat", string[]>) => void): Promise<void> {
  const existing = await listBerthRules();
  check?.(existing);
  const lines = chainSetup(existing);
  for (const r of rules) lines[r.table].push(line(r, tag));
  await restore(lines, what);
}

/** The rules tagged `tag` (`-A CHAIN …` lines), by table. */
export async function listRules(tag: string): Promise<Record<"filter" | "nat", string[]>> {
  const existing = await listBerthRules();
  const tagged = (l: string) => l.startsWith("-A ") && (l.includes(`--comment ${tag} `) || l.endsWith(`--comment ${tag}`) || l.includes(`"${tag}"`));
  return { filter: existing.filter.filter(tagged), nat: existing.nat.filter(tagged) };
}

/** Deletes every rule tagged `tag`. */
export async function removeRules(tag: string): Promise<void> {
  const tagged = await listRules(tag);
  const del = { filter: tagged.filter.map((l) => l.replace(/^-A /, "-D ")), nat: tagged.nat.map((l) => l.replace(/^-A /, "-D ")) };
  await restore(del, `remove ${tag} rules`);
}

/** Removes berth's chains and the jumps to them once no berth rule is left (the host as it was). */
export async function pruneChains(): Promise<void> {
  const existing = await listBerthRules();
  if ([...existing.filter, ...existing.nat].some((l) => l.startsWith("-A BERTH-"))) return;
  const lines: Record<"filter" | "nat", string[]> = { filter: [], nat: [] };
  for (const table of ["filter", "nat"] as const) {
    for (const l of existing[table]) if (/^-A \S+ .*-j BERTH-/.test(l)) lines[table].push(l.replace(/^-A /, "-D "));
    for (const l of existing[table]) if (l.startsWith("-N BERTH-")) lines[table].push(l.replace(/^-N /, "-X "));
  }
  await restore(lines, "remove berth's chains");
}

/** Host ports that berth's DNAT rules hold: "tcp/8080", "udp/53", … */
export function publishedPorts(existing: Record<"filter" | "nat", string[]>): Set<string> {
  const out = new Set<string>();
  for (const l of existing.nat) {
    const m = l.match(/^-A BERTH-DNAT .*-p (tcp|udp) .*--dport (\d+)/);
    if (m) out.add(`${m[1]}/${m[2]}`);
  }
  return out;
}
