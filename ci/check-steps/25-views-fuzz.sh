#!/usr/bin/env bash
# The views' CSV and live-view parsers under libFuzzer for a bounded time (TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec make -s -C tools views-fuzz FUZZ_TIME="${FUZZ_TIME:-10}"
