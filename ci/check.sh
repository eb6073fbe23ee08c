#!/usr/bin/env bash
# `make check`: every test, each writing TAP into build/results/, then a
# table of steps (result, wall and CPU seconds) and one summary. Steps:
#   phase 1, two lanes side by side:
#     ci/lint.sh                 shellcheck, cppcheck, W=1, sparse, checkpatch
#                                (its module builds are the ones the VMs boot)
#     make unit                  tests/unit writes build/results/unit-*.tap
#     make -C iptables test      extension option parsing (ASan/UBSan)
#     make -C tools test         pktstat-collect unit tests, when present
#     ci/vm-test.sh build        udpsend, the extension, the collector
#   phase 2, CHECK_JOBS steps at once (default: nproc), longest first:
#     ci/vm-test.sh kernel KVER  the VM suites, one step per test kernel
#     ci/check-steps/*.sh        steps other parts add (see its README)
# From the start, tests/pkg/mkroot.sh builds the package tests' Debian root
# in the background when it is not cached yet (network-bound: it overlaps
# the CPU-bound phase 1 and the first guests); the package steps wait for it.
#
# Each step's exit status is a TAP line in build/results/check.tap, so a
# step that crashes before writing TAP still fails the run. Prints per-file
# counts and finally "N passed, N failed[, N skipped]"; exits non-zero on any
# failure or when nothing ran.
#
# Env: CHECK_JOBS (steps at once in phase 2), KVERS (kernels), and what the
# steps read (PKTSTAT_SUITES, PKTSTAT_T_TESTS, ...: see ci/README.md).
set -euo pipefail

cd "$(dirname "$0")/.."
results=build/results
# Stale results from an earlier run must not count.
rm -rf "$results"
mkdir -p "$results/steps"
check_tap=$results/check.tap
t_start=${EPOCHREALTIME/./}
jobs_max=${CHECK_JOBS:-$(nproc)}
((jobs_max >= 1)) || jobs_max=1
tck=$(getconf CLK_TCK)

# Steps by id: name, TAP file ("-": the step writes its own), command words.
s_name=() s_tap=() s_cmd=()
# add_step NAME TAPFILE|- COMMAND...: the new id in $sid.
add_step() {
	sid=${#s_name[@]}
	s_name+=("$1")
	s_tap+=("$2")
	shift 2
	s_cmd+=("$*")
}

# run_step ID: run it (in a subshell of its own, so the CPU time of its
# processes can be read back), log it, keep "rc wall_us cpu_ticks".
run_step() {
	local id=$1
	(
		local name=${s_name[id]} tapfile=${s_tap[id]} rc=0 t0 log st us cpu
		local -a cmd
		read -r -a cmd <<<"${s_cmd[id]}"
		log=$results/$(tr -c 'A-Za-z0-9_.-' '_' <<<"$name" | sed 's/_*$//').log
		echo "==> $name" >&2
		t0=${EPOCHREALTIME/./}
		if [[ $tapfile == - ]]; then
			"${cmd[@]}" >"$log" 2>&1 </dev/null || rc=$?
		else
			"${cmd[@]}" 2>"$log" </dev/null | tee "$tapfile" >>"$log" || rc=$?
			# With pipefail, rc is the command's (tee does not fail).
		fi
		us=$((${EPOCHREALTIME/./} - t0))
		# utime stime cutime cstime: this subshell and every process it
		# waited for (qemu included), in clock ticks.
		read -r -a st <"/proc/$BASHPID/stat"
		cpu=$((st[13] + st[14] + st[15] + st[16]))
		echo "$rc $us $cpu $log" >"$results/steps/$id"
		echo "    $name: rc=$rc, $((us / 1000000))s wall, $((cpu / tck))s CPU" >&2
	)
}

# run_lanes CHAIN...: each CHAIN ("id id ...") runs in order in a lane of
# its own, at most $jobs_max lanes at once; returns when all are done.
run_lanes() {
	local chain p alive
	local -a pids=()
	for chain in "$@"; do
		while :; do
			alive=0
			for p in "${pids[@]}"; do
				! kill -0 "$p" 2>/dev/null || alive=$((alive + 1))
			done
			((alive < jobs_max)) && break
			wait -n || true
		done
		# shellcheck disable=SC2086 # a chain is a list of ids
		(for id in $chain; do run_step "$id"; done) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
}

has_target() { [[ -f $1/Makefile ]] && make -n -C "$1" "$2" >/dev/null 2>&1; }

# --- the steps ---------------------------------------------------------------------
# The package root, in the background (a no-op when cached). Root only:
# debootstrap needs it (tests/pkg skips without it).
if [[ -x tests/pkg/mkroot.sh && $(id -u) == 0 ]]; then
	add_step "tests/pkg/mkroot.sh (package root, background)" - tests/pkg/mkroot.sh
	run_step "$sid" &
fi

add_step "ci/lint.sh" - ci/lint.sh
lane_a=$sid
add_step "make unit" - make -s unit
lane_b=$sid
if has_target iptables test; then
	add_step "make -C iptables test" "$results/iptables-test.tap" make -s -C iptables test
	lane_b+=" $sid"
fi
if has_target tools test; then
	add_step "make -C tools test" "$results/tools-test.tap" make -s -C tools test
	lane_b+=" $sid"
fi
add_step "ci/vm-test.sh build" - ci/vm-test.sh build
lane_b+=" $sid"
run_lanes "$lane_a" "$lane_b"

# Phase 2: the longest steps first, so none starts last: the kernels (in
# ci/kernels.sh list order, newest first), then the added steps in name
# order. One step per lane: the pool keeps CHECK_JOBS busy.
read -r -a kvers <<<"${KVERS:-$(ci/kernels.sh list | tr '\n' ' ')}"
if ((${#kvers[@]} == 0)); then
	echo "ci/check.sh: no kernel with image and headers (run ci/deps.sh)" >&2
	add_step "test kernels found" - false
	run_lanes "$sid"
fi
export KVERS="${kvers[*]}"
lanes=()
for kver in "${kvers[@]}"; do
	add_step "VM $kver" - ci/vm-test.sh kernel "$kver"
	lanes+=("$sid")
done
for s in ci/check-steps/*.sh; do
	[[ -x $s ]] || continue
	add_step "$s" "$results/step-$(basename "$s" .sh).tap" "$s"
	lanes+=("$sid")
done
run_lanes "${lanes[@]}"
wait

# --- the report ----------------------------------------------------------------------
# check.tap in step order; then the table of steps; then the per-file counts
# and the closing "N passed, N failed" line.
: >"$check_tap"
wall_all=$((${EPOCHREALTIME/./} - t_start))
cpu_all=0
table=()
for id in "${!s_name[@]}"; do
	n=$((id + 1))
	if ! read -r rc us cpu log <"$results/steps/$id" 2>/dev/null; then
		rc='?' us=0 cpu=0 log=
	fi
	cpu_all=$((cpu_all + cpu))
	secs=$((us / 1000000))
	if [[ $rc == 0 ]]; then
		echo "ok $n - ${s_name[id]} (${secs}s)" >>"$check_tap"
	else
		echo "not ok $n - ${s_name[id]}: exit status $rc (${secs}s), see $log" >>"$check_tap"
		[[ -z $log ]] || tail -n 15 "$log" | sed 's/^/#   /' >>"$check_tap"
	fi
	table+=("$(printf '  %-6s %6d %6d  %s' "$([[ $rc == 0 ]] && echo ok || echo FAIL)" \
		"$secs" "$((cpu / tck))" "${s_name[id]}")")
done
echo "1..${#s_name[@]}" >>"$check_tap"

hm() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
echo
echo "Steps (seconds; CPU = user+sys of the step's processes, guests included):"
printf '  %-6s %6s %6s  %s\n' result wall CPU step
printf '%s\n' "${table[@]}"
wall_s=$((wall_all / 1000000))
cpu_s=$((cpu_all / tck))
echo "  make check: $(hm "$wall_s") wall, $(hm "$cpu_s") CPU" \
	"($(awk -v c="$cpu_s" -v w="$wall_s" 'BEGIN { printf "%.2f", w ? c / w : 0 }') of $(nproc) cores busy)"

# TAP from steps that print it may also carry make's chatter: ci/tap.sh
# counts only ok/not ok lines. Keep only files that hold any test line.
mapfile -t taps < <(find "$results" -maxdepth 1 -name '*.tap' -print | LC_ALL=C sort)
files=()
for f in "${taps[@]}"; do
	grep -qE '^(not )?ok' "$f" && files+=("$f")
done
echo
echo "Results (build/results), $(hm "$wall_s"):"
ci/tap.sh sum "${files[@]}"
