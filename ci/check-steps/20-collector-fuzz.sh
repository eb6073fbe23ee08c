#!/usr/bin/env bash
# The collector's /proc line parser under libFuzzer for a bounded time (TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec make -s -C tools fuzz FUZZ_TIME="${FUZZ_TIME:-20}"
