#!/usr/bin/env bash
# deno task bench (second half): container start-up side by side (see bench/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
for t in hyperfine runc crun podman dockerd; do command -v "$t" >/dev/null || { BERTH_BENCH=1 bash scripts/setup.sh >/dev/null; break; }; done
toolchain/node_modules/@deno/linux-x64-glibc/deno run -A scripts/build.ts >/dev/null
toolchain/node_modules/@deno/linux-x64-glibc/deno run -A bench/startup_bench.ts "${1:-40}"
