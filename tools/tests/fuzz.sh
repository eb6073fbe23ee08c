#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the libFuzzer target for a bounded time; print one TAP result.
# Usage: fuzz.sh FUZZER SECONDS
set -u
fuzzer=$1
secs=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/corpus"
# Seeds: good lines, edge values, a stats file, a CSV row.
printf '1 2 3' >"$dir/corpus/line"
printf '18446744073709551615 18446744073709551615 18446744073709551615' \
	>"$dir/corpus/max"
printf 'name: web\nid: 3\nperiod_ns: 250000\nsamples: 4096\noverflows: 0\n' \
	>"$dir/corpus/stats"
printf '2026-11-27T17:05:00.250000000Z,1,web,3,1,2,3,4' >"$dir/corpus/row"
echo "1..1"
if "$fuzzer" -max_total_time="$secs" -max_len=256 -print_final_stats=1 \
	"$dir/corpus" >"$dir/log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	echo "ok 1 - fuzz /proc data line, stats and CSV parsers: ${runs:-?} runs in ${secs}s, no crash"
else
	tail -n 30 "$dir/log" | sed 's/^/# /'
	echo "not ok 1 - fuzz /proc parsers: crash (see above)"
	exit 1
fi
