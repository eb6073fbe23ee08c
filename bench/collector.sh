#!/usr/bin/env bash
# make bench: pktstat-collect throughput from a large backlog into CSV, on
# one core, beside cat of the same bytes (the floor: read + write, no parse).
#
#   bench/collector.sh OUTDIR ROWS
#
# A fake proc tree (--proc-root) holds one instance whose data file has ROWS
# windows; pktstat-collect --once turns it into OUTDIR/csv/bench.csv. Times
# are the process's CPU time (user + sys) and wall time, pinned to CPU 0.
# Writes OUTDIR/collector.csv: what,rows,bytes,cpu_s,wall_s,rows_per_cpu_s.
set -euo pipefail

cd "$(dirname "$0")/.."
out=${1:?usage: bench/collector.sh OUTDIR ROWS}
rows=${2:?usage: bench/collector.sh OUTDIR ROWS}
collect=tools/pktstat-collect
[[ -x $collect ]] || { echo "bench/collector.sh: $collect missing (make -C tools)" >&2; exit 1; }
mkdir -p "$out"
work=$out/collector
rm -rf "$work"
mkdir -p "$work/proc/bench" "$work/csv" "$work/state"
printf 'name: bench\nid: 1764259100000000001\nperiod_ns: 100000\nsamples: 65536\ncpus: 2\nqueued: %s\noverflows: 0\n' \
	"$rows" >"$work/proc/bench/stats"
# Window ends every 100 us from a realistic epoch, cumulative totals.
# (mawk's %d is 32-bit: seconds and nanoseconds apart, totals as %.0f.)
awk -v n="$rows" 'BEGIN { f = 0; b = 0
	for (i = 1; i <= n; i++) { f += 1000 + i % 7; b += 64 * (1000 + i % 7)
		ns = i * 100000
		printf "%d%09d %.0f %.0f\n", 1764259200 + int(ns / 1e9), ns % 1e9, f, b } }' >"$work/proc/bench/data"
bytes=$(stat -c %s "$work/proc/bench/data")
cat "$work/proc/bench/data" >/dev/null   # page cache warm for both

# run WHAT CMD...: CPU seconds (children's user+sys) and wall seconds.
run() {
	local what=$1 t0 t1 c0 c1
	shift
	c0=$(awk '{ print $15 + $16 }' /proc/$$/stat)
	t0=$(date +%s%N)
	taskset -c 0 "$@"
	t1=$(date +%s%N)
	c1=$(awk '{ print $15 + $16 }' /proc/$$/stat)
	awk -v w="$what" -v r="$rows" -v by="$bytes" -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" \
		-v wall="$((t1 - t0))" 'BEGIN { cpu = c / hz; if (cpu <= 0) cpu = 1 / hz
		printf "%s,%d,%d,%.3f,%.3f,%.0f\n", w, r, by, cpu, wall / 1e9, r / cpu }'
}

{
	echo "what,rows,bytes,cpu_s,wall_s,rows_per_cpu_s"
	# shellcheck disable=SC2016 # expanded by sh
	run cat sh -c 'cat "$1" >"$2"' cat "$work/proc/bench/data" "$work/cat.out"
	run pktstat-collect "$collect" --once --proc-root "$work/proc" \
		--output-dir "$work/csv" --state-dir "$work/state" bench
} >"$out/collector.csv"
csv_rows=$(($(wc -l <"$work/csv/bench.csv") - 1))
echo "csv_rows=$csv_rows" >"$out/collector.check"
cat "$out/collector.csv"
if ((csv_rows < rows - 1)); then
	echo "bench/collector.sh: CSV has $csv_rows rows for $rows windows" >&2
	exit 1
fi
