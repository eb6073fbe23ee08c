#!/usr/bin/env bash
# make bench: native per-packet costs on this machine's own CPUs (no VM, no
# lock): bench/native/native_bench, threads pinned one per CPU.
#
#   bench/native/run.sh OUTDIR [OPS [REPS]]
#
# Writes OUTDIR/native.csv (case,threads,median_ns,min_ns,max_ns,what) and
# OUTDIR/native.md (the table, its method and the issue 13 ratios), and
# prints the table. First runs the unit test of the one-clock-read model it
# times (make test: OUTDIR/native-test.tap). Fails if that test fails, the
# program fails (a counter not exact) or a figure is missing. Speed is
# never judged here.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: bench/native/run.sh OUTDIR [OPS [REPS]]}
ops=${2:-5000000}
reps=${3:-7}
mkdir -p "$out"
make -s -C "$here" native_bench
make -s -C "$here" test >"$out/native-test.tap" || { cat "$out/native-test.tap" >&2; exit 1; }
cflags=$(make -s -C "$here" -n native_bench -B | sed -n 's/^[^ ]* \(.*\) -o native_bench.*/\1/p' | head -n1)

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
ncpu=$(nproc)
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)
hv=$(grep -q -w hypervisor /proc/cpuinfo && echo "yes (a VM's vCPUs)" || echo no)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u '+%Y-%m-%d %H:%M:%S')
"$here/native_bench" -n "$ops" -r "$reps" >"$out/native.csv" 2>"$out/native.log" ||
	{ cat "$out/native.log" >&2; exit 1; }
load1=$(cut -d' ' -f1-3 /proc/loadavg)
end=$(date -u '+%H:%M:%S')

# Every case at every thread count has a positive median.
threads=$(awk -F, 'NR > 1 { print $2 }' "$out/native.csv" | sort -un | tr '\n' ' ')
ncases=$(awk -F, 'NR > 1 { print $1 }' "$out/native.csv" | sort -u | wc -l)
got=$(awk -F, 'NR > 1 && $3 + 0 > 0 { k++ } END { print k + 0 }' "$out/native.csv")
want=$((ncases * $(wc -w <<<"$threads")))
if ((ncases < 16 || got != want)); then
	echo "bench/native/run.sh: $got of $want figures ($ncases cases)" >&2
	exit 1
fi

{
	echo "Run $start–$end UTC, $(uname -r), CPU \"$cpu\", $ncpu CPUs online,"
	echo "hypervisor: $hv, clocksource $cs, load before $load0, after $load1."
	echo "bench/native/native_bench: $ops operations per thread, threads pinned one per CPU and"
	echo "started together, figure of a run = slowest thread's ns / operations, median of"
	echo "$reps runs (min–max beside it); built with \`gcc $cflags\`. The core is"
	echo "src/pktstat_core.h on tests/unit/core_user.h with x86 smp_mb (lock add) and the"
	echo "vDSO CLOCK_MONOTONIC as ktime_get_ns; the counter is lfence;rdtsc at the calibrated"
	echo "rate, 0.1 % early. The machine is shared: other jobs may run."
	echo "$(tail -n1 "$out/native.log")"
	echo
	awk -F, -v tl="$threads" '
		NR == 1 { next }
		!($1 in row) { order[++n] = $1; row[$1] = 1; what[$1] = $6 }
		{ med[$1, $2] = $3; rng[$1, $2] = $4 "–" $5 }
		END {
			nt = split(tl, t, " ")
			h = "| case | what |"; s = "| --- | --- |"
			for (j = 1; j <= nt; j++) { h = h " " t[j] " thr, ns (min–max) |"; s = s " --- |" }
			if (nt > 1) { h = h " " t[nt] " ÷ 1 |"; s = s " --- |" }
			print h; print s
			for (i = 1; i <= n; i++) {
				c = order[i]; l = "| " c " | " what[c] " |"
				for (j = 1; j <= nt; j++) l = l " " med[c, t[j]] " (" rng[c, t[j]] ") |"
				if (nt > 1) l = l sprintf(" %.2f |", med[c, t[nt]] / med[c, t[1]])
				print l
			}
			print ""
			print "Issue 13 ratios (medians):"
			print ""
			print "| ratio | target | value by threads |"
			print "| --- | --- | --- |"
			r("core ÷ (add + smp_mb + lfence;rdtsc): the counter", "≤ 1.1", "core", "add_mb_lfence_rdtsc")
			r("core_clock ÷ (add + smp_mb + clock_gettime): no counter", "≤ 1.1", "core_clock", "add_mb_mono")
			r("core ÷ core_clock (after ÷ before)", "< 1", "core", "core_clock")
			r("rules10_each ÷ core (10 rules, the module)", "≤ 2", "rules10_each", "core")
			r("rules10_each_clock ÷ core_clock (10 rules, before)", "≤ 2", "rules10_each_clock", "core_clock")
			r("rules10_shared ÷ core (10 rules, item 2 model)", "≤ 2", "rules10_shared", "core")
			r("rules10_gen ÷ core (10 rules, item 2 read_gen model)", "≤ 2", "rules10_gen", "core")
			r("nfacct ÷ core", "", "nfacct", "core")
			r("spinlock ÷ core", "", "spinlock", "core")
		}
		function r(name, target, a, b,   j, v) {
			v = ""
			for (j = 1; j <= nt; j++)
				v = v sprintf("%s%s thr %.2f", j > 1 ? ", " : "", t[j], med[a, t[j]] / med[b, t[j]])
			print "| " name " | " target " | " v " |"
		}' "$out/native.csv"
} >"$out/native.md"
cat "$out/native.md"
