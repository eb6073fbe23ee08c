#!/usr/bin/env bash
# make bench: turn the raw outputs in OUTDIR into OUTDIR/results.md,
# OUTDIR/runs.csv, OUTDIR/per_match.csv and OUTDIR/per_match.png (gnuplot).
#
#   bench/report.sh OUTDIR KVER NRULES
#
# runs.csv: one line per pktgen run, from each boot's marks.log:
#   boot,round,ncpu,set,packets,cpu_ns,ns_per_packet,pps,load1
# per_match.csv: extra host CPU ns per packet per rule, against the
# baseline of the same boot, round and vCPU count:
#   ncpu,set,n,median,min,max
set -euo pipefail

out=${1:?usage: bench/report.sh OUTDIR KVER NRULES}
kver=${2:?usage: bench/report.sh OUTDIR KVER NRULES}
nrules=${3:?usage: bench/report.sh OUTDIR KVER NRULES}

# --- runs ----------------------------------------------------------------------
{
	echo "boot,round,ncpu,set,packets,cpu_ns,ns_per_packet,pps,load1"
	for m in "$out"/boot-*/marks.log; do
		[[ -f $m ]] || continue
		b=${m%/marks.log}
		b=${b##*/boot-}
		# MARK start|end TAG CPU HOSTNS LOAD; PPS TAG N in results.log
		tr -d '\r' <"${m%marks.log}results.log" | awk '$1 == "PPS" { print "PPS", $2, $3, $4 }' |
			cat - "$m" | awk -v boot="$b" '
			$1 == "PPS" { pps[$2] = $3; sent[$2] = $4; next }
			$2 == "start" { start[$3] = $4; next }
			# A run whose packets were not all sent is left out.
			$2 == "end" && ($3 in start) {
				split($3, t, ":")
				if (sent[$3] != t[4]) next
				cpu = $4 - start[$3]
				printf "%s,%s,%s,%s,%s,%.0f,%.1f,%s,%s\n", boot,
					substr(t[1], 2), substr(t[2], 2), t[3], t[4],
					cpu, cpu / t[4], ($3 in pps) ? pps[$3] : 0, $6
			}'
	done
} >"$out/runs.csv"

# Median, min and max of "key value" lines, grouped by key.
stats() {
	sort -t' ' -k1,1 -k2,2g | awk '
		function flush() {
			if (n) printf "%s,%d,%.1f,%.1f,%.1f\n", key, n,
				n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, v[1], v[n]
		}
		$1 != key { flush(); key = $1; n = 0 }
		{ v[++n] = $2 }
		END { flush() }'
}

# --- per-match cost --------------------------------------------------------------
{
	echo "ncpu,set,n,median,min,max"
	awk -F, -v nr="$nrules" 'NR > 1 {
		k = $1 "," $2 "," $3
		if ($4 == "base") base[k] = $7; else { set[NR] = $4; key[NR] = k; pp[NR] = $7 }
	}
	END {
		for (i in set) if (key[i] in base) {
			split(key[i], kk, ",")
			printf "%s,%s %.3f\n", kk[3], set[i], (pp[i] - base[key[i]]) / nr
		}
	}' "$out/runs.csv" | stats
} >"$out/per_match.csv"

# Per-packet totals and pps, for the record.
{
	echo "ncpu,set,n,median,min,max"
	awk -F, 'NR > 1 { printf "%s,%s %s\n", $3, $4, $7 }' "$out/runs.csv" | stats
} >"$out/per_packet.csv"
{
	echo "ncpu,set,n,median,min,max"
	awk -F, 'NR > 1 { printf "%s,%s %s\n", $3, $4, $8 }' "$out/runs.csv" | stats
} >"$out/pps.csv"

# --- chart -------------------------------------------------------------------------
if command -v gnuplot >/dev/null && (($(wc -l <"$out/per_match.csv") > 1)); then
	awk -F, 'NR > 1 && $1 == 1 { print $2, $4, $5, $6 }' "$out/per_match.csv" >"$out/.pm1.dat"
	awk -F, 'NR > 1 && $1 == 2 { print $2, $4, $5, $6 }' "$out/per_match.csv" >"$out/.pm2.dat"
	gnuplot <<EOF || echo "bench/report.sh: gnuplot failed, no chart" >&2
set terminal pngcairo size 900,500 noenhanced
set output "$out/per_match.png"
set title "Extra host CPU ns per packet per rule (median, min-max), $kver under qemu TCG"
set ylabel "ns per packet per rule"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set yrange [0:*]
set grid ytics
plot "$out/.pm1.dat" using 2:3:4:xtic(1) title "1 vCPU", \
     "$out/.pm2.dat" using 2:3:4 title "2 vCPUs"
EOF
	rm -f "$out/.pm1.dat" "$out/.pm2.dat"
fi

# --- results.md ----------------------------------------------------------------------
info() { # first value of INFO key= over the boots
	cat "$out"/boot-*/results.log 2>/dev/null | tr -d '\r' |
		awk -v k="$1" '$1 == "INFO" && index($2, k "=") == 1 { sub(/^[^=]*=/, "", $2); print $2; exit }'
}
guest_lines() { # all "$1 ..." lines of every boot, boot number first
	local f b
	for f in "$out"/boot-*/results.log; do
		[[ -f $f ]] || continue
		b=${f%/results.log}
		b=${b##*/boot-}
		tr -d '\r' <"$f" | awk -v b="$b" -v k="$1" '$1 == k { $1 = b; print }'
	done
}
csv_table() { # CSV file -> markdown table
	awk -F, 'NR == 1 { h = "|"; s = "|"; for (i = 1; i <= NF; i++) { h = h " " $i " |"; s = s " --- |" }
		print h; print s; next }
		{ l = "|"; for (i = 1; i <= NF; i++) l = l " " $i " |"; print l }' "$1"
}

{
	echo "# xt_pktstat benchmark results"
	echo
	echo "Produced by \`${BENCH_COMMAND:-make bench}\` on $(date -u +%Y-%m-%dT%H:%MZ)."
	echo
	echo "## Machine"
	echo
	echo "- host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -r)"
	echo "- host load (1-min average) at the pktgen marks: $(awk -F, 'NR > 1 { print $9 }' "$out/runs.csv" | sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "min %s, median %s, max %s", v[1], v[int((NR + 1) / 2)], v[NR]; else printf "n/a" }')"
	echo "- load before each boot: $(cat "$out"/boot-*/host-load.txt 2>/dev/null | tr '\n' ' ')"
	echo "- guest kernel: $kver ($(info preempt)), qemu TCG (no KVM), $(info ncpus) vCPUs, $(cat "$out"/boot-1/vcpus.txt 2>/dev/null || echo 'vCPU threads unknown')"
	echo "- guest clocksource: **$(info clocksource)** (available: $(info available_clocksource))"
	echo
	echo "## 1. Per-match cost in the booted kernel"
	echo
	echo "$nrules stacked rules of one kind in raw PREROUTING (then DROP), traffic from pktgen"
	echo "(\`xmit_mode netif_receive\` on a dummy device, 60-byte packets, one pktgen thread per"
	echo "vCPU). Cost = host CPU time of the qemu vCPU threads (schedstat) between the guest's"
	echo "start/end marks, per packet; extra per match = (set - baseline of the same boot, round"
	echo "and vCPU count) / $nrules. Sets rotate every round. Units: host ns per packet per rule"
	echo "under TCG emulation (~10-50x native), so compare ratios, not absolutes."
	echo
	csv_table "$out/per_match.csv"
	echo
	echo "2-vCPU / 1-vCPU ratio of the medians:"
	echo
	awk -F, 'NR > 1 { m[$1 "," $2] = $4; s[$2] = 1 }
		END { print "| set | 1 vCPU | 2 vCPUs | ratio |"; print "| --- | --- | --- | --- |"
		for (k in s) if ((1 "," k) in m && (2 "," k) in m)
			printf "| %s | %.1f | %.1f | %s |\n", k, m[1 "," k], m[2 "," k],
				(m[1 "," k] > 0 ? sprintf("%.2f", m[2 "," k] / m[1 "," k]) : "n/a") }' "$out/per_match.csv"
	echo
	echo "Host CPU ns per packet, whole path (median, min-max):"
	echo
	csv_table "$out/per_packet.csv"
	echo
	echo "Packets/s pktgen reported in the guest (guest clock, all threads):"
	echo
	csv_table "$out/pps.csv"
	[[ -f $out/per_match.png ]] && printf '\n![per match](per_match.png)\n'
	echo
	echo "## 2. Core instructions per packet (callgrind, deterministic)"
	echo
	echo "\`bench/core/run.sh\`: src/pktstat_core.h on tests/unit/core_user.h (clock and TSC-like"
	echo "counter = one atomic fetch-add each), -O2; same = no window crossed (the counter compare),"
	echo "same_clock = the same with no counter (a clock read each), cross = every packet closes a"
	echo "window, full = every packet closes a window and the ring is full, bare = per-CPU counter"
	echo "+ same clock."
	echo
	[[ -f $out/core.csv ]] && csv_table "$out/core.csv"
	echo
	echo "## 3. Clock reads in the guest (bench/clockbench, ps per call, TCG)"
	echo
	echo "Fastest of 10 batches; \"all vCPUs\": every vCPU runs the batch at the same"
	echo "time (IPI context; -1 = not run there: it toggles BH)."
	echo
	echo "| boot | what | 1 vCPU, ps per call | all vCPUs at once, ps per call |"
	echo "| --- | --- | --- | --- |"
	guest_lines CLOCK | awk '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }'
	echo
	echo "## 4. Collector throughput (one core)"
	echo
	[[ -f $out/collector.csv ]] && csv_table "$out/collector.csv"
	echo
	echo "Kernel side, in the guest (TCG): a backlog of 1 us windows (one pktgen thread),"
	echo "drained by one read() loop (bench/drain.c), then another by pktstat-collect --once."
	echo
	echo "| boot | what | queued | windows or rows | seconds (wall) | CPU s | windows/s (wall) | windows per CPU-s |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	guest_lines DRAIN | awk '$2 == "read" { printf "| %s | read() loop | %s | %s | %s | %s | %.0f | %.0f |\n", $1, $3, $4, $5, $6, ($5 > 0 ? $4 / $5 : 0), ($6 > 0 ? $4 / $6 : 0) }
		$2 == "collect" { c = $5 + $6; printf "| %s | pktstat-collect --once | %s | %s | %s | %.3f | %.0f | %.0f |\n", $1, $3, $4, $7, c, ($7 > 0 ? $4 / $7 : 0), (c > 0 ? $4 / c : 0) }'
	echo
	echo "## 5. Window latency (end of window -> seen by a polling reader)"
	echo
	echo "Latency = CLOCK_REALTIME right after the read() that returned the window - window end."
	echo
	echo "| boot | period ns | windows | median us | p99 us | max us | reads | median read() us |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	guest_lines LAT | awk '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
	echo
	echo "## 6. Memory per instance (100 instances added in a memory cgroup)"
	echo
	echo "Formula: per possible CPU, sizeof(struct pktstat_cpu) (percpu, cacheline aligned)"
	echo "+ (samples + 1) x 32 (ring) + 8 + 2 x 24 + 48 (reader arrays), plus the instance"
	echo "struct and its /proc entries. Measured deltas per instance, bare rules subtracted:"
	echo
	echo "\"rounded\": the ring rounded up to its allocation, a power of two (kmalloc size"
	echo "classes; kvmalloc tries kmalloc first)."
	echo
	echo "| boot | samples | cpus | memcg memory.current B | meminfo Percpu B | memcg percpu B | formula B | rounded B |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	guest_lines MEM | awk '{ r = ($2 + 1) * 32; p = 1; while (p < r) p *= 2
		f = $3 * (128 + r + 8 + 48 + 48); g = $3 * (128 + p + 8 + 48 + 48)
		printf "| %s | %s | %s | %s | %s | %s | %d | %d |\n", $1, $2, $3, $4, $5, $6, f, g }'
	echo
	echo "## 7. pktstat-plot throughput and memory (one core)"
	echo
	[[ -f $out/plot.csv ]] && csv_table "$out/plot.csv"
	echo
	echo "Errors reported by the guest: $(guest_lines ERROR | wc -l)"
	if [[ -f $out/native.md ]]; then
		echo
		echo "## 8. Native per-packet costs (host CPUs, no VM: bench/native/run.sh)"
		echo
		cat "$out/native.md"
	fi
} >"$out/results.md"
