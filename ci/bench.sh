#!/usr/bin/env bash
# make bench: every benchmark of issue 6, results in build/bench/results.md
# (+ runs.csv, per_match.csv, per_match.png). Prints TAP on stdout ("ok N -
# bench: ...") and exits non-zero if a measurement did not run or produced no
# number. Speed is never judged here: the figures are for BENCHMARKS.md.
#
#   ci/bench.sh                 full run (about 20 minutes on 2 idle cores)
#   BENCH_SMOKE=1 ci/bench.sh   everything once with tiny counts (make check)
#
# Knobs (env): BOOTS (VM boots), ROUNDS (rounds per boot), PKTS (packets per
# pktgen thread per run), NRULES (stacked rules, 100), SETS, NCPUS ("1 2"),
# BENCH_KVER (guest kernel; default: the oldest-series cloud kernel of
# ci/kernels.sh list, the fastest to boot), BENCH_MAX_LOAD and
# BENCH_QUIET_WAIT (wait up to that many seconds before each boot for the
# host's 1-min load to fall under BENCH_MAX_LOAD), BENCH_OUT (build/bench,
# build/bench-smoke for the smoke run), PLOT_ROWS (rows of bench/plot.sh),
# NATIVE_OPS and NATIVE_REPS (bench/native: operations per thread, runs per
# median; no VM).
set -euo pipefail

cd "$(dirname "$0")/.."

SMOKE=${BENCH_SMOKE:-0}
if ((SMOKE)); then
	: "${BOOTS:=1}" "${ROUNDS:=1}" "${PKTS:=300}" "${CLOCK_LOOPS:=2000}"
	: "${LAT_SECS:=1}" "${MEM_SAMPLES:=64}" "${CORE_N1:=1000}" "${CORE_N2:=2000}"
	: "${COLLECT_ROWS:=10000}" "${MARGIN:=0.1}" "${BENCH_QUIET_WAIT:=0}"
	: "${VM_TIMEOUT:=150}" "${WARMUP_PKTS:=0}" "${DRAIN_PKTS:=3000}"
	: "${REPS:=1}" "${IDLE_N:=200}" "${IDLE_SECS:=2}"
	: "${NATIVE_OPS:=20000}" "${NATIVE_REPS:=3}"
else
	: "${BOOTS:=2}" "${ROUNDS:=5}" "${PKTS:=20000}" "${CLOCK_LOOPS:=200000}"
	: "${LAT_SECS:=5}" "${MEM_SAMPLES:=64 1024 8192}" "${CORE_N1:=100000}"
	: "${CORE_N2:=200000}" "${COLLECT_ROWS:=1000000}" "${MARGIN:=0.4}"
	: "${BENCH_QUIET_WAIT:=300}" "${VM_TIMEOUT:=1200}" "${WARMUP_PKTS:=2000}"
	: "${DRAIN_PKTS:=60000}" "${NATIVE_OPS:=5000000}" "${NATIVE_REPS:=7}"
fi
: "${NRULES:=100}" "${SETS:=base pktstat nfacct account spin u32 quota}"
: "${NCPUS:=1 2}" "${LAT_PERIODS:=100000 1000000}" "${BENCH_MAX_LOAD:=1.0}"
# The smoke run keeps its own directory: it must not clobber the figures.
if ((SMOKE)); then
	OUT=${BENCH_OUT:-build/bench-smoke}
else
	OUT=${BENCH_OUT:-build/bench}
fi
export ROUNDS PKTS SETS NCPUS MARGIN CLOCK_LOOPS LAT_SECS LAT_PERIODS \
	MEM_SAMPLES NRULES VM_TIMEOUT WARMUP_PKTS DRAIN_PKTS DO_CLOCK=1 DO_EXTRA=1
# bench/collector.sh (REPS, IDLE_N, IDLE_SECS: its defaults unless set).
export REPS IDLE_N IDLE_SECS

if [[ -z ${BENCH_KVER:-} ]]; then
	BENCH_KVER=$(ci/kernels.sh list | grep -- '-cloud-amd64$' | sort -V | head -n1 || true)
	[[ -n $BENCH_KVER ]] || BENCH_KVER=$(ci/kernels.sh default)
fi
kver=$BENCH_KVER
# The bench packages are a deps group of their own (ci/packages/bench.list).
if ! ci/deps.sh bench >&2; then
	echo "not ok 1 - bench$( ((SMOKE)) && echo " smoke"): ci/deps.sh bench"
	echo "1..1"
	exit 1
fi
kb=build/bench/$kver
mkdir -p "$OUT" "$kb"
OUT=$(realpath "$OUT")
LOG=$OUT/bench.log
: >"$LOG"

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - bench${SMOKE:+ smoke}: $*"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - bench${SMOKE:+ smoke}: $*"
}
# step DESCRIPTION CMD...: run, log, report as one TAP line.
step() {
	local what=$1
	shift
	echo "### $what: $*" >>"$LOG"
	if "$@" >>"$LOG" 2>&1; then
		ok "$what"
	else
		not_ok "$what (see $LOG)"
		return 1
	fi
}
[[ $SMOKE == 0 ]] && SMOKE=
echo "# ci/bench.sh: kernel $kver, BOOTS=$BOOTS ROUNDS=$ROUNDS PKTS=$PKTS NRULES=$NRULES, out $OUT"
echo "# host load now: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- builds ------------------------------------------------------------------
# The 2011-style spinlock baseline: src/ with bench/spin/ laid over it.
build_spin() {
	local ko=$kb/mod-spin/xt_pktstat.ko spin=$kb/spin-src
	if [[ -f $ko && -z $(find src bench/spin -newer "$ko" -type f -print -quit) ]]; then
		return 0
	fi
	rm -rf "$spin"
	mkdir -p "$spin"
	cp -r src/. bench/spin/. "$spin/"
	MODSRC=$spin MODOUT=$kb/mod-spin ci/build-module.sh "$kver"
}
build_clockbench() {
	local kdir=/usr/src/linux-headers-$kver
	[[ -e $kdir/Makefile ]] || kdir=/lib/modules/$kver/build
	rm -rf "$kb/clockbench"
	mkdir -p "$kb/clockbench"
	cp bench/clockbench/Kbuild bench/clockbench/clockbench.c "$kb/clockbench/"
	make -s -C "$kdir" M="$(realpath "$kb/clockbench")" PKTSTAT_SRC="$(realpath src)" modules
}
# xt_ACCOUNT.ko for the guest kernel, built the way xtables-addons' dkms.conf
# does, from the source of the installed DKMS package or, without it, of the
# downloaded one (3.23 does not build for 6.12: the package's postinst
# fails there, so it is not in ci/packages/bench.list).
build_account() {
	local kdir=/usr/src/linux-headers-$kver dst=$kb/xtables-addons src
	[[ -e $kdir/Makefile ]] || kdir=/lib/modules/$kver/build
	[[ -f $dst/xt_ACCOUNT.ko ]] && return 0
	src=$(find /usr/src -maxdepth 1 -name 'xtables-addons-*' -type d | sort -V | tail -n1)
	if [[ -z $src ]]; then
		rm -rf build/bench/xa-deb
		mkdir -p build/bench/xa-deb
		(cd build/bench/xa-deb && apt-get download xtables-addons-dkms) || return 1
		dpkg-deb -x build/bench/xa-deb/xtables-addons-dkms_*.deb build/bench/xa-deb/root
		src=$(find build/bench/xa-deb/root/usr/src -maxdepth 1 -name 'xtables-addons-*' -type d | head -n1)
	fi
	[[ -n $src ]] || return 1
	rm -rf "$dst"
	cp -r "$src" "$dst"
	dst=$(realpath "$dst")
	make -s -C "$kdir" M="$dst/extensions" XA_ABSTOPSRCDIR="$dst" XA_TOPSRCDIR="$dst" modules
	find "$dst/extensions" -name '*.ko' -exec cp {} "$dst/" \;
	[[ -f $dst/xt_ACCOUNT.ko ]]
}
builds() {
	ci/build-module.sh "$kver" &&
		build_spin &&
		make -s -C iptables &&
		make -s -C tests/tools &&
		make -s -C tools &&
		build_clockbench &&
		gcc -O2 -Wall -Wextra -Werror -static -o build/bench/latency bench/latency.c &&
		gcc -O2 -Wall -Wextra -Werror -static -o build/bench/drain bench/drain.c &&
		build_account
}
step "build (module, spinlock variant, clockbench, xt_ACCOUNT, tools)" builds || {
	echo "1..$n"
	exit 1
}

# --- userspace ---------------------------------------------------------------------
if step "core instructions per packet (callgrind)" bench/core/run.sh "$OUT" "$CORE_N1" "$CORE_N2"; then
	if awk -F, 'NR > 1 && $2 + 0 > 0 { k++ } END { exit k != 5 }' "$OUT/core.csv"; then
		ok "core: 5 modes with instruction counts"
	else
		not_ok "core: missing counts in $OUT/core.csv"
	fi
fi
step "collector throughput ($COLLECT_ROWS rows)" bench/collector.sh "$OUT" "$COLLECT_ROWS" || true
step "plot throughput and memory (${PLOT_ROWS:=$((SMOKE ? 100000 : 10000000))} rows)" \
	bench/plot.sh "$OUT" "$PLOT_ROWS" || true

# --- VM boots ------------------------------------------------------------------------
wait_quiet() {
	local t=0 load
	while :; do
		read -r load _ </proc/loadavg
		if awk -v l="$load" -v m="$BENCH_MAX_LOAD" 'BEGIN { exit !(l < m) }' || ((t >= BENCH_QUIET_WAIT)); then
			echo "$load"
			return
		fi
		sleep 10
		t=$((t + 10))
	done
}
# Native per-packet costs on the host's CPUs (no VM), on a host as quiet as the boots get.
load=$(wait_quiet)
if step "native per-packet costs (load $load before)" bench/native/run.sh "$OUT" "$NATIVE_OPS" "$NATIVE_REPS"; then
	sed 's/^/# /' "$OUT/native.md"
fi

rm -rf "$OUT"/boot-*
for ((b = 1; b <= BOOTS; b++)); do
	load=$(wait_quiet)
	mkdir -p "$OUT/boot-$b"
	echo "boot $b: load $load" >"$OUT/boot-$b/host-load.txt"
	# The clock, latency and memory figures once per boot.
	step "VM boot $b (load $load before)" bench/vm.sh "$kver" "$OUT/boot-$b" "$b" || true
done

step "report" env BENCH_COMMAND="${BENCH_SMOKE:+BENCH_SMOKE=1 }ci/bench.sh" \
	bench/report.sh "$OUT" "$kver" "$NRULES" || true

# --- every measurement produced numbers ------------------------------------------------
want_runs=0
for c in $NCPUS; do
	((c <= 2)) && want_runs=$((want_runs + 1))
done
k=$(wc -w <<<"$SETS")
want_runs=$((want_runs * k * ROUNDS * BOOTS))
got_runs=$(awk -F, 'NR > 1 && $6 > 0 && $7 > 0 { k++ } END { print k + 0 }' "$OUT/runs.csv" 2>/dev/null || echo 0)
if ((got_runs == want_runs)); then
	ok "pktgen runs with host CPU time: $got_runs of $want_runs"
else
	not_ok "pktgen runs with host CPU time: $got_runs of $want_runs"
fi
for c in $NCPUS; do
	for s in $SETS; do
		[[ $s == base ]] && continue
		if awk -F, -v c="$c" -v s="$s" 'NR > 1 && $1 == c && $2 == s && $3 > 0 { f = 1 } END { exit !f }' \
			"$OUT/per_match.csv" 2>/dev/null; then
			ok "per-match cost: $s at $c vCPU(s)"
		else
			not_ok "per-match cost: $s at $c vCPU(s) missing"
		fi
	done
done
if awk -F, 'NR > 1 && $6 > 0 && $7 > 0 { k++ } END { exit k != 3 }' "$OUT/plot.csv" 2>/dev/null; then
	ok "plot: rows/s and peak RSS of 3 runs"
else
	not_ok "plot: rows/s and peak RSS of 3 runs missing in $OUT/plot.csv"
fi
check_guest() { # KIND MIN_LINES_PER_BOOT DESCRIPTION
	local f cnt
	for f in "$OUT"/boot-*/results.log; do
		cnt=$(tr -d '\r' <"$f" 2>/dev/null | grep -c "^$1 [^ ]* [0-9]" || true)
		if ((cnt >= $2)); then
			ok "$3 (${f#"$OUT"/}: $cnt)"
		else
			not_ok "$3 (${f#"$OUT"/}: $cnt lines, want $2)"
		fi
	done
}
check_guest CLOCK 14 "clock costs in the guest"
check_guest LAT "$(wc -w <<<"$LAT_PERIODS")" "window latency"
check_guest MEM "$(wc -w <<<"$MEM_SAMPLES")" "memory per instance"
check_guest DRAIN 2 "drain rate: read() loop and pktstat-collect on a real backlog"
cs=$(grep -h -o 'INFO clocksource=.*' "$OUT"/boot-*/results.log 2>/dev/null | head -n1 | tr -d '\r' || true)
if [[ -n $cs ]]; then
	ok "guest ${cs#INFO }"
else
	not_ok "guest clocksource not reported"
fi
if [[ -s $OUT/results.md ]]; then
	ok "results in $OUT/results.md"
else
	not_ok "no $OUT/results.md"
fi
echo "1..$n"
((failed == 0))
