#!/usr/bin/env bash
# The test command: builds dist/berth, runs every test against it, then a leak check, and prints
# one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
DENO=toolchain/node_modules/@deno/linux-x64-glibc/deno
export NO_COLOR=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$DENO" run -A scripts/build.ts || { echo "0 passed, 1 failed"; exit 1; }
"$DENO" test -A tests/ lib/ 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# the examples in mod.ts's JSDoc (and the errors'), run as they are written
"$DENO" test -A --doc mod.ts lib/util/errors.ts 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
"$DENO" test -A scripts/leak_check.ts 2>&1 | tee -a "$log"
rc2=${PIPESTATUS[0]}

# deno test ends with "ok | 12 passed | 0 failed (3s)" or "FAILED | 10 passed | 2 failed (3s)"
read -r passed failed < <(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" |
  sed -E 's/^[A-Za-z]+ \| ([0-9]+) passed.*\| ([0-9]+) failed.*/\1 \2/' |
  awk '{p+=$1; f+=$2} END {print p+0, f+0}')
if [ "$rc" -ne 0 ] || [ "$rc2" -ne 0 ]; then
  [ "$failed" -eq 0 ] && failed=1 # the runner itself failed (type error, crash)
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
