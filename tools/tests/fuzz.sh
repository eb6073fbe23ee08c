#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run a libFuzzer target for a bounded time, from seeds of its own; print
# one TAP result. TARGET: collector (tests/fuzz.c: the /proc data line,
# stats and CSV parsers) or views (tests/views-fuzz.c: the CSV row and
# header, live view, heartbeat and time parsers).
# Usage: fuzz.sh TARGET FUZZER SECONDS
set -u
target=$1
fuzzer=$2
secs=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/corpus"
case $target in
collector)
	# Seeds: good lines, edge values, a stats file, a CSV row.
	printf '1 2 3' >"$dir/corpus/line"
	printf '18446744073709551615 18446744073709551615 18446744073709551615' \
		>"$dir/corpus/max"
	printf 'name: web\nid: 3\nperiod_ns: 250000\nsamples: 4096\noverflows: 0\n' \
		>"$dir/corpus/stats"
	printf '2026-11-27T17:05:00.250000000Z,1,web,3,1,2,3,4' >"$dir/corpus/row"
	max_len=256
	what="/proc data line, stats and CSV parsers"
	;;
views)
	# Seeds: a row of each kind, a header, a live file, a heartbeat, times.
	printf '2027-01-15T08:00:00.001000000Z,1800000000001000000,web,7,5,1140,5,1140,1800000000000000000,1000000,first+merged' \
		>"$dir/corpus/row"
	printf 'time_utc,end_ns,instance,instance_id,frames,bytes,total_frames,total_bytes,start_ns,period_ns,flags' \
		>"$dir/corpus/header"
	printf 'version: 1\nname: web\ninstance_id: 9\nperiod_ns: 250000\nsamples: 4096\nupdated_ns: 2\ninterval_ns: 1\nlast_end_ns: 1\ntotal_frames: 1\ntotal_bytes: 1\noverflows: 0\nqueued: 0\nclock_steps: 0\nseconds: 1\nS 1000000000 5 2080 5 999750000 2080 999750000 1\nwindows: 1\nW 999750000 5 2080\n' \
		>"$dir/corpus/live"
	printf 'pid: 1\nupdated_ns: 5\n' >"$dir/corpus/heartbeat"
	printf '2027-01-15T08:00:00.25Z' >"$dir/corpus/time"
	printf -- '-7d' >"$dir/corpus/reltime"
	max_len=1024
	what="the CSV row and header, live view, heartbeat and time parsers"
	;;
*)
	echo "fuzz.sh: unknown target '$target' (collector or views)" >&2
	exit 2
	;;
esac
echo "1..1"
if "$fuzzer" -max_total_time="$secs" -max_len="$max_len" -print_final_stats=1 \
	"$dir/corpus" >"$dir/log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	echo "ok 1 - fuzz $what: ${runs:-?} runs in ${secs}s, no crash"
else
	tail -n 30 "$dir/log" | sed 's/^/# /'
	echo "not ok 1 - fuzz $what: crash (see above)"
	exit 1
fi
