#!/usr/bin/env bash
# The views' CSV and live-view parsers under libFuzzer for a bounded time
# (TAP). Builds in a directory of its own: it runs beside other steps.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec make -s -C tools views-fuzz B="$PWD/build/views-fuzz" FUZZ_TIME="${FUZZ_TIME:-10}"
