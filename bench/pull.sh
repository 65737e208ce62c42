#!/usr/bin/env bash
# deno task bench: pull + unpack side by side for both image shapes (see bench/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v podman >/dev/null && command -v hyperfine >/dev/null || BERTH_BENCH=1 bash scripts/setup.sh >/dev/null
toolchain/node_modules/@deno/linux-x64-glibc/deno run -A scripts/build.ts >/dev/null
runs=${1:-5}
toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/pull_bench.ts "$runs" reference
sleep 70 # ext4 avoids reusing inodes deleted in the last minute: let the first bench's cleanup age
toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/pull_bench.ts "$runs" small-files
