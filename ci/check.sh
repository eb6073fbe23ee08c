#!/usr/bin/env bash
# `make check`: every test, each writing TAP into build/results/, then one
# summary. Steps, in order:
#   make unit                    tests/unit writes build/results/unit-*.tap
#   make -C iptables test        extension option parsing (ASan/UBSan)
#   make -C tools test           pktstat-collect unit tests, when present
#   ci/check-steps/*.sh          steps other parts add (see its README)
#   ci/lint.sh                   shellcheck, cppcheck, W=1, sparse, checkpatch
#   ci/vm-test.sh                VM suites on every test kernel
# Each step's exit status is a TAP line in build/results/check.tap, so a
# step that crashes before writing TAP still fails the run. Prints per-file
# counts and finally "N passed, N failed[, N skipped]"; exits non-zero on any
# failure or when nothing ran.
set -euo pipefail

cd "$(dirname "$0")/.."
results=build/results
# Stale results from an earlier run must not count.
rm -rf "$results"
mkdir -p "$results"
check_tap=$results/check.tap
: >"$check_tap"
n=0
t_start=$SECONDS

# step NAME TAPFILE|- command...: run, log, record exit status as TAP.
# With a TAPFILE the command's stdout is kept as TAP (for steps that print it).
step() {
	local name=$1 tapfile=$2 rc=0 t0=$SECONDS log
	shift 2
	log=$results/$(tr -c 'A-Za-z0-9_.-' '_' <<<"$name" | sed 's/_*$//').log
	echo "==> $name" >&2
	if [[ $tapfile == - ]]; then
		"$@" >"$log" 2>&1 || rc=$?
	else
		"$@" 2>"$log" | tee "$tapfile" >>"$log" || rc=$?
		# With pipefail, rc is the command's (tee does not fail).
	fi
	n=$((n + 1))
	if ((rc == 0)); then
		echo "ok $n - $name ($((SECONDS - t0))s)" >>"$check_tap"
	else
		echo "not ok $n - $name: exit status $rc ($((SECONDS - t0))s), see $log" >>"$check_tap"
		tail -n 15 "$log" | sed 's/^/#   /' >>"$check_tap"
	fi
	echo "    $name: rc=$rc, $((SECONDS - t0))s" >&2
}

has_target() { [[ -f $1/Makefile ]] && make -n -C "$1" "$2" >/dev/null 2>&1; }

step "make unit" - make -s unit
if has_target iptables test; then
	step "make -C iptables test" "$results/iptables-test.tap" make -s -C iptables test
fi
if has_target tools test; then
	step "make -C tools test" "$results/tools-test.tap" make -s -C tools test
fi
for s in ci/check-steps/*.sh; do
	[[ -x $s ]] || continue
	step "$s" "$results/step-$(basename "$s" .sh).tap" "$s"
done
step "ci/lint.sh" - ci/lint.sh
step "ci/vm-test.sh" - ci/vm-test.sh
echo "1..$n" >>"$check_tap"

# TAP from steps that print it may also carry make's chatter: ci/tap.sh
# counts only ok/not ok lines. Keep only files that hold any test line.
mapfile -t taps < <(find "$results" -maxdepth 1 -name '*.tap' -print | LC_ALL=C sort)
files=()
for f in "${taps[@]}"; do
	grep -qE '^(not )?ok' "$f" && files+=("$f")
done
echo
echo "Results (build/results), $(((SECONDS - t_start) / 60))m$(((SECONDS - t_start) % 60))s:"
ci/tap.sh sum "${files[@]}"
