#!/usr/bin/env bash
# make bench: pktstat-collect against a fake /proc/net/xt_pktstat (--proc-root).
#
#   bench/collector.sh OUTDIR ROWS
#
# 1. Backlog: one instance whose data file holds ROWS windows of 1 us (what
#    a busy 1 us instance queues in ROWS us), drained by one --once run into
#    CSV with the live view on, pinned to CPU 0. Beside it, on the same CPU,
#    cat of the same input bytes (the floor of reading them) and cat of the
#    CSV that was written (the floor of writing it). CPU = user + sys of the
#    process (bash's time: getrusage), the fastest of REPS runs each: the
#    host is shared, and the fastest run is the one least disturbed.
# 2. Idle: IDLE_N instances with nothing queued, the daemon at --interval
#    100ms with the live view on, its CPU (schedstat, ns) over IDLE_SECS
#    after the first rounds.
# 3. Instructions per row (callgrind, deterministic), 100000 rows, when
#    valgrind is installed.
# Writes OUTDIR/collector.csv (what,rows,bytes,cpu_s,wall_s,rows_per_cpu_s,
# note), OUTDIR/collector.check (the exactness check of the drained CSV).
# Knobs (env): REPS (5), IDLE_N (2000), IDLE_SECS (10).
set -euo pipefail

cd "$(dirname "$0")/.."
out=${1:?usage: bench/collector.sh OUTDIR ROWS}
rows=${2:?usage: bench/collector.sh OUTDIR ROWS}
reps=${REPS:-5}
idle_n=${IDLE_N:-2000}
idle_secs=${IDLE_SECS:-10}
collect=$PWD/tools/pktstat-collect
[[ -x $collect ]] || { echo "bench/collector.sh: $collect missing (make -C tools)" >&2; exit 1; }
mkdir -p "$out"
out=$(realpath "$out")
work=$out/collector
rm -rf "$work"
mkdir -p "$work/proc/bench"
id=1764259100000000001
printf 'name: bench\nid: %s\nperiod_ns: 1000\nsamples: 65536\ncpus: 2\nqueued: %s\noverflows: 0\n' \
	"$id" "$rows" >"$work/proc/bench/stats"
# Window ends every 1 us from a realistic epoch, cumulative totals.
# (mawk's %d is 32-bit: seconds and nanoseconds apart, totals as %.0f.)
awk -v n="$rows" 'BEGIN { f = 0; b = 0
	for (i = 1; i <= n; i++) { f += 1 + i % 7; b += 64 * (1 + i % 7)
		ns = i * 1000
		printf "%d%09d %.0f %.0f\n", 1764259200 + int(ns / 1e9), ns % 1e9, f, b } }' \
	>"$work/proc/bench/data"
bytes=$(stat -c %s "$work/proc/bench/data")
cat "$work/proc/bench/data" >/dev/null # page cache warm for every run

# cpu CMD...: "CPU_S WALL_S" of one run, pinned to CPU 0.
cpu() {
	local t
	t=$({ TIMEFORMAT='%3U %3S %3R'; time taskset -c 0 "$@" >/dev/null 2>&1; } 2>&1)
	awk '{ printf "%.3f %.3f\n", $1 + $2, $3 }' <<<"$t"
}

# best WHAT CMD...: the fastest of $reps runs as "CPU_S WALL_S".
best() {
	local i r b=""
	for ((i = 0; i < reps; i++)); do
		[[ $1 == collect ]] && rm -rf "$work/csv" "$work/state" "$work/run" &&
			mkdir -p "$work/csv" "$work/state" "$work/run"
		r=$(cpu "${@:2}")
		if [[ -z $b ]] || awk -v a="$r" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] < y[1]) }'; then
			b=$r
		fi
	done
	echo "$b"
}

# shellcheck disable=SC2016 # expanded by sh
read -r cat_cpu cat_wall < <(best cat sh -c 'cat "$1" >"$2"' cat "$work/proc/bench/data" "$work/cat.out")
read -r col_cpu col_wall < <(best collect "$collect" --once --proc-root "$work/proc" \
	--output-dir "$work/csv" --state-dir "$work/state" --run-dir "$work/run" bench)
csv_bytes=$(stat -c %s "$work/csv/bench.csv")
# shellcheck disable=SC2016
read -r out_cpu out_wall < <(best cat sh -c 'cat "$1" >"$2"' cat "$work/csv/bench.csv" "$work/cat2.out")
rm -f "$work/cat.out" "$work/cat2.out"

# The drained CSV is exact: every window once, totals as sent.
check=$(awk -F, 'NR > 1 { r++; f += $5; b += $6; t = $7 } END { printf "%d %.0f %.0f %.0f", r, f, b, t }' "$work/csv/bench.csv")
want=$(tail -n1 "$work/proc/bench/data" | awk -v n="$rows" '{ printf "%d %s %s %s", n, $2, $3, $2 }')
echo "csv_rows_frames_bytes_total=$check want=$want" >"$out/collector.check"

# --- idle instances ------------------------------------------------------------
idle=$work/idle
mkdir -p "$idle/proc" "$idle/out" "$idle/state" "$idle/run"
for ((i = 1; i <= idle_n; i++)); do
	mkdir "$idle/proc/i$i"
	printf 'name: i%s\nid: %s\nperiod_ns: 1000000\nsamples: 4096\ncpus: 2\nqueued: 0\noverflows: 0\nframes: 0\nbytes: 0\nwindows_read: 0\ncreated_ns: 1764259200000000000\nclock_steps: 0\n' \
		"$i" "$((id + i))" >"$idle/proc/i$i/stats"
	: >"$idle/proc/i$i/data"
done
taskset -c 0 "$collect" --daemon --interval 100ms --proc-root "$idle/proc" \
	--output-dir "$idle/out" --state-dir "$idle/state" --run-dir "$idle/run" 2>"$idle/log" &
dpid=$!
for ((i = 0; i < 100; i++)); do
	[[ $(find "$idle/run" -name '*.live' | wc -l) -ge $idle_n ]] && break
	sleep 0.1
done
sleep 1
read -r c0 _ <"/proc/$dpid/schedstat"
w0=$(date +%s%N)
sleep "$idle_secs"
read -r c1 _ <"/proc/$dpid/schedstat"
w1=$(date +%s%N)
lives=$(find "$idle/run" -name '*.live' | wc -l)
kill -TERM "$dpid"
wait "$dpid"

# --- instructions per row ---------------------------------------------------------
ipr=
if command -v valgrind >/dev/null; then
	mkdir -p "$work/cg/proc/bench" "$work/cg/csv" "$work/cg/state"
	cp "$work/proc/bench/stats" "$work/cg/proc/bench/"
	head -n 100000 "$work/proc/bench/data" >"$work/cg/proc/bench/data"
	cg_rows=$(wc -l <"$work/cg/proc/bench/data")
	ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$collect" --once \
		--proc-root "$work/cg/proc" --output-dir "$work/cg/csv" --state-dir "$work/cg/state" \
		--run-dir '' bench 2>&1 | awk '/Collected/ { print $NF }')
	[[ -n $ir ]] && ipr=$((ir / cg_rows))
fi

{
	echo "what,rows,bytes,cpu_s,wall_s,rows_per_cpu_s,note"
	awk -v r="$rows" -v by="$bytes" -v c="$cat_cpu" -v w="$cat_wall" 'BEGIN {
		printf "cat (input),%d,%d,%.3f,%.3f,%.0f,the floor of reading the data\n", r, by, c, w, (c > 0 ? r / c : 0) }'
	awk -v r="$rows" -v by="$csv_bytes" -v c="$out_cpu" -v w="$out_wall" 'BEGIN {
		printf "cat (CSV written),%d,%d,%.3f,%.3f,%.0f,the floor of writing the CSV\n", r, by, c, w, (c > 0 ? r / c : 0) }'
	awk -v r="$rows" -v by="$bytes" -v c="$col_cpu" -v w="$col_wall" -v cc="$cat_cpu" -v ipr="$ipr" 'BEGIN {
		rate = c > 0 ? r / c : 0
		printf "pktstat-collect --once,%d,%d,%.3f,%.3f,%.0f,target >= 5000000 rows/CPU-s: %s; %.2fx cat of the input bytes (target >= 0.25x)%s\n",
			r, by, c, w, rate, (rate >= 5e6 ? "met" : "NOT met"), (c > 0 ? cc / c : 0),
			(ipr != "" ? "; " ipr " instructions per row (callgrind)" : "") }'
	awk -v n="$idle_n" -v c="$((c1 - c0))" -v w="$((w1 - w0))" -v lives="$lives" 'BEGIN {
		p = 100 * c / w
		printf "%d idle instances (daemon 100ms + live view),0,0,%.3f,%.3f,,%.2f %% of a core (target < 5 %%: %s); %d live views\n",
			n, c / 1e9, w / 1e9, p, (p < 5 ? "met" : "NOT met"), lives }'
} >"$out/collector.csv"
cat "$out/collector.csv"
cat "$out/collector.check"
if [[ $check != "$want" ]]; then
	echo "bench/collector.sh: the CSV is not exact: $check, want $want" >&2
	exit 1
fi
if ((lives != idle_n)); then
	echo "bench/collector.sh: $lives live views for $idle_n idle instances" >&2
	exit 1
fi
