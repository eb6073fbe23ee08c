#!/usr/bin/env bash
# make bench: pktstat-plot throughput and memory on a large archive, on one
# core: ROWS rows of 1 ms windows as a plain CSV and gzip'd, and a tenth of
# them plain (peak RSS must not grow with the rows).
#
#   bench/plot.sh OUTDIR ROWS
#
# Times are the process's user + sys CPU time and wall time, peak RSS from
# GNU time, pinned to CPU 0. Writes OUTDIR/plot.csv:
# what,rows,bytes,cpu_s,wall_s,rows_per_cpu_s,max_rss_kb
set -euo pipefail

cd "$(dirname "$0")/.."
out=${1:?usage: bench/plot.sh OUTDIR ROWS}
rows=${2:?usage: bench/plot.sh OUTDIR ROWS}
plot=tools/pktstat-plot
[[ -x $plot ]] || { echo "bench/plot.sh: $plot missing (make -C tools views)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench/plot.sh: GNU time missing (ci/deps.sh bench)" >&2; exit 1; }
mkdir -p "$out"
work=$out/plot
rm -rf "$work"
mkdir -p "$work"

# gen N FILE: N windows of 1 ms from 2027-01-15 08:00 UTC, 1..13 frames of
# 228 bytes each, a burst of 500 every 100000th; format 2 as the collector
# writes it. Prints the frame total. (mawk's %d is 32-bit: seconds and
# nanoseconds apart, totals as %.0f.)
gen() {
	awk -v n="$1" 'BEGIN {
		print "time_utc,end_ns,instance,instance_id,frames,bytes,total_frames,total_bytes,start_ns,period_ns,flags"
		f = 0; b = 0
		for (i = 1; i <= n; i++) {
			fr = i % 100000 == 0 ? 500 : 1 + i % 13
			f += fr; b += fr * 228
			ns = (i % 1000) * 1000000; s = 1800000000 + int(i / 1000)
			ps = ns ? s : s - 1; pns = ns ? ns - 1000000 : 999000000
			printf "2027-01-15T08:00:00.000000000Z,%d%09d,bench,7,%d,%d,%.0f,%.0f,%d%09d,1000000,%s\n",
				s, ns, fr, fr * 228, f, b, ps, pns, i == 1 ? "first" : ""
		}
		printf "%.0f\n", f > "/dev/stderr"
	}' >"$2" 2>"$2.frames"
	cat "$2.frames"
}

small=$((rows / 10))
want=$(gen "$rows" "$work/bench.csv")
want_small=$(gen "$small" "$work/small.csv")
gzip -c "$work/bench.csv" >"$work/bench.csv.1.gz"
cat "$work/bench.csv" "$work/bench.csv.1.gz" >/dev/null	# page cache warm

# run WHAT ROWS FILE WANT_FRAMES: one plot, one CSV line
run() {
	local what=$1 n=$2 file=$3 frames=$4 t
	taskset -c 0 /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
		"$plot" -v -n bench -o "$work/$what.png" "$file" 2>"$work/$what.log"
	grep -q "series bench: rows $n, frames $frames," "$work/$what.log" || {
		echo "bench/plot.sh: $what: not $n rows and $frames frames:" >&2
		cat "$work/$what.log" >&2
		return 1
	}
	read -r -a t <"$work/time"
	awk -v w="$what" -v r="$n" -v by="$(stat -c %s "$file")" -v wall="${t[0]}" \
		-v cpu="$(awk -v u="${t[1]}" -v s="${t[2]}" 'BEGIN { print u + s }')" -v rss="${t[3]}" \
		'BEGIN { if (cpu <= 0) cpu = 0.01
		printf "%s,%.0f,%.0f,%.2f,%.2f,%.0f,%d\n", w, r, by, cpu, wall, r / cpu, rss }'
}

{
	echo "what,rows,bytes,cpu_s,wall_s,rows_per_cpu_s,max_rss_kb"
	run plain-small "$small" "$work/small.csv" "$want_small"
	run plain "$rows" "$work/bench.csv" "$want"
	run gzip "$rows" "$work/bench.csv.1.gz" "$want"
} >"$out/plot.csv"
cat "$out/plot.csv"
rm -f "$work"/*.csv "$work"/*.gz
