#!/usr/bin/env bash
# deno task bench: pull + unpack side by side (see bench/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/@deno/linux-x64-glibc/deno run -A scripts/build.ts >/dev/null
exec node_modules/@deno/linux-x64-glibc/deno run -A bench/pull_bench.ts "$@"
