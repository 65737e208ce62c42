/**
 * `deno task build`: writes `dist/berth`, one executable file that needs neither Deno nor node_modules.
 *
 * - With a denort runtime (`DENORT_BIN`, or `deno compile` able to fetch one) it is `deno compile`'s output.
 * - Otherwise (this offline environment) it is a self-extracting file: a short POSIX sh header, then a
 *   gzip'd tar of the Deno runtime and berth's bundled JavaScript (the whole berth, the OCI runtime's command
 *   line, and `run` alone: the header picks one). The first run unpacks them once into
 *   a cache directory named by the payload's hash; every run then `exec`s Deno on the bundle (the
 *   header costs ~1 ms). Either way the file is the whole program.
 */
import { createHash } from "node:crypto";

const deno = Deno.execPath();
const root = new URL("..", import.meta.url).pathname;
const dist = `${root}dist`;
const HEADER_SIZE = 4096;

async function run(cmd: string, args: string[], env?: Record<string, string>): Promise<void> {
  const r = await new Deno.Command(cmd, { args, cwd: root, env, stdout: "inherit", stderr: "inherit" }).output();
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code})`);
}

await Deno.mkdir(dist, { recursive: true });
await run(deno, ["bundle", "--quiet", "--platform", "deno", "--no-lock", "-o", `${dist}/berth.js`, "main.ts"]);

const denort = Deno.env.get("DENORT_BIN");
if (denort) {
  await run(deno, ["compile", "-A", "--no-lock", "-o", `${dist}/berth`, `${dist}/berth.js`], { DENORT_BIN: denort });
  console.log(`dist/berth: deno compile with ${denort}`);
  Deno.exit(0);
}

// Self-extracting build: payload = tar.gz of { deno, berth.js, runc.js, run.js } — runc.js is the OCI runtime's
// own, smaller bundle (lib/runc/entry.ts), which the header picks for `berth-runc …` and `berth runtime …`
await run(deno, ["bundle", "--quiet", "--platform", "deno", "--no-lock", "-o", `${dist}/runc.js`, "lib/runc/entry.ts"]);
// and `berth run`'s (run_main.ts): about half of berth.js, so half of V8's compile at every container start
await run(deno, ["bundle", "--quiet", "--platform", "deno", "--no-lock", "-o", `${dist}/run.js`, "run_main.ts"]);
const stage = await Deno.makeTempDir({ prefix: "berth-build-" });
try {
  await Deno.copyFile(deno, `${stage}/deno`);
  await Deno.copyFile(`${dist}/berth.js`, `${stage}/berth.js`);
  await Deno.copyFile(`${dist}/runc.js`, `${stage}/runc.js`);
  await Deno.copyFile(`${dist}/run.js`, `${stage}/run.js`);
  await run("tar", ["-C", stage, "-cf", `${stage}/payload.tar`, "deno", "berth.js", "runc.js", "run.js"]);
  await run("gzip", ["-6", "-n", `${stage}/payload.tar`]);
  const payload = await Deno.readFile(`${stage}/payload.tar.gz`);
  const hash = createHash("sha256").update(payload).digest("hex").slice(0, 16);
  const header = `#!/bin/sh
# berth: one-file build (POSIX sh header + gzip'd tar of the Deno runtime and berth's bundle).
# The first run unpacks the payload into a cache directory named by its hash; later runs only exec.
d="\${BERTH_RUNTIME_DIR:-\${XDG_CACHE_HOME:-\${HOME:-/tmp}/.cache}/berth}/${hash}"
if [ ! -f "$d/ok" ]; then
  mkdir -p "\${d%/*}" && t=$(mktemp -d "$d.XXXXXX") || exit 125
  if tail -c +${HEADER_SIZE + 1} "$0" | tar -xzf - -C "$t" && : > "$t/ok"; then
    mv -T "$t" "$d" 2>/dev/null || rm -rf "$t"
    for o in "\${d%/*}"/????????????????; do [ "$o" = "$d" ] || rm -rf "$o"; done # older berth runtimes
  else
    rm -rf "$t"; echo "berth: cannot unpack runtime into $d" >&2; exit 125
  fi
fi
case "$0" in /*) self="$0" ;; *) self="$PWD/$0" ;; esac # berth re-executes itself (the supervisor)
js=berth.js # the OCI runtime's command line loads its own bundle, and \`run\` one of only what it needs
case "$self" in */berth-runc) js=runc.js ;; *) if [ "$1" = runtime ]; then js=runc.js; shift; fi ;; esac
if [ $js = berth.js ]; then
  v=; for a in "$@"; do
    if [ -n "$v" ]; then v=; continue; fi
    case $a in --root|--insecure-registry) v=1 ;; --root=*|--insecure-registry=*|--debug|-D) ;; run) js=run.js; break ;; *) break ;; esac
  done
fi
export BERTH_SELF="$self" DENO_DIR="$d/cache" DENO_NO_UPDATE_CHECK=1
# an ordinary user whose namespaces' holder lives (lib/rootless/userns.ts): nsenter joins them, without a Deno
# started only to do that; uid and gid stay (--preserve-credentials): the user is root in the namespace
if [ -z "$BERTH_ROOTLESS" ] && [ $js != runc.js ] && command -v nsenter >/dev/null; then
  while read -r k r _; do case $k in Uid:) u=$r ;; Gid:) g=$r ;; esac; done </proc/self/status
  case $XDG_RUNTIME_DIR in /*) rt=$XDG_RUNTIME_DIR/berth ;; *) rt=/tmp/berth-run-$u ;; esac
  live() { read -r s <"/proc/$1/stat" || return 1; h=$2 s=\${s##*) }; set -- $s; [ "$1" != Z ] && [ "\${20}" = "$h" ]; }
  if [ "$u" != 0 ] && [ -O "$rt/userns.pid" ] && read -r hp hs <"$rt/userns.pid" && live "$hp" "$hs" 2>/dev/null; then
    BERTH_ROOTLESS=$u:$g BERTH_JOINED=$hp exec nsenter -t "$hp" -U -m -p --preserve-credentials --wd="$PWD" \\
      "$d/deno" run -A --no-config --no-lock -q "$d/$js" "$@"
  fi
fi
exec "$d/deno" run -A --no-config --no-lock -q "$d/$js" "$@"
exit 125
`;
  const head = new TextEncoder().encode(header);
  if (head.length >= HEADER_SIZE) throw new Error("build: sh header too long");
  const file = new Uint8Array(HEADER_SIZE + payload.length);
  file.set(head);
  file.fill(0x0a, head.length, HEADER_SIZE); // newlines: sh never reaches them (exit above)
  file.set(payload, HEADER_SIZE);
  const tmp = `${dist}/berth.tmp`;
  await Deno.writeFile(tmp, file, { mode: 0o755 });
  await Deno.rename(tmp, `${dist}/berth`);
  console.log(`dist/berth: self-extracting (${(file.length / 1e6).toFixed(1)} MB, runtime ${hash})`);
} finally {
  await Deno.remove(stage, { recursive: true });
}
