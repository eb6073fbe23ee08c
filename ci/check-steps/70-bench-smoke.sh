#!/usr/bin/env bash
# A short run of every benchmark, so `make bench` cannot rot. It checks that
# each measurement ran and produced numbers, never how fast (TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH_SMOKE=1 exec ci/bench.sh
