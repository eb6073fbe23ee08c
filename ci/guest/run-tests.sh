#!/usr/bin/env bash
# Test runner inside the VM (started by /init with fd 3 = results serial port).
# Runs every tests/vm/*.bats once per iptables backend, then the extension's
# .t table for each iptables binary, then dumps dmesg. Each stream goes to
# fd 3 between "=== BEGIN <name> ===" and "=== END <name> rc=<n> secs=<s> ===" lines;
# ci/vm-test.sh splits them into build/results/vm-<kver>-<name>.tap.
set -euo pipefail

SUITE_TIMEOUT=${SUITE_TIMEOUT:-600}   # seconds per stream, so one hang cannot eat the run
src=${PKTSTAT_SRC:-/opt/pktstat}

# Run "$@" as stream $1 with a guest-side timeout; its stdout is the stream,
# its stderr goes to the console for debugging. The END line carries the
# stream's seconds (from $t_stream when set: the reset before it counts),
# so every log shows its cost.
stream() {
	local name=$1 rc=0 us t0=${t_stream:-${EPOCHREALTIME/./}}
	shift
	t_stream=
	echo "pktstat-ci: [$(cut -d' ' -f1 /proc/uptime)] >>> $name"
	echo "=== BEGIN $name ===" >&3
	timeout "$SUITE_TIMEOUT" "$@" >&3 || rc=$?
	if ((rc == 124 || rc == 143)); then
		echo "# TIMEOUT: $name killed after ${SUITE_TIMEOUT}s" >&3
	fi
	us=$((${EPOCHREALTIME/./} - t0))
	printf '=== END %s rc=%d secs=%d.%d ===\n' "$name" "$rc" $((us / 1000000)) $((us % 1000000 / 100000)) >&3
	echo "pktstat-ci: [$(cut -d' ' -f1 /proc/uptime)] <<< $name rc=$rc"
}

# Leave no rule, namespace or instance behind for the next suite: suites
# should clean up, but one that fails halfway must not fail the others.
# Only tables that exist are touched: naming one would create it (and load
# its module), which costs seconds under TCG.
reset_state() {
	local t fam b
	ip -all netns delete 2>/dev/null || true
	for fam in ip ip6; do
		[[ -r /proc/net/${fam}_tables_names ]] || continue
		while read -r t; do
			"${fam}tables-legacy" -t "$t" -F 2>/dev/null || true
			"${fam}tables-legacy" -t "$t" -X 2>/dev/null || true
		done </proc/net/"${fam}"_tables_names
	done
	if grep -q '^nf_tables ' /proc/modules; then
		for b in iptables ip6tables; do
			for t in $("$b-nft-save" 2>/dev/null | sed -n 's/^\*//p'); do
				"$b-nft" -t "$t" -F 2>/dev/null || true
				"$b-nft" -t "$t" -X 2>/dev/null || true
			done
		done
	fi
	# nft releases rules from a work queue: give the module a moment.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q '^xt_pktstat ' /proc/modules || break
		rmmod xt_pktstat 2>/dev/null && break
		sleep 0.2
	done
}

# dmesg lines after this marker are the ones ci/vm-test.sh judges.
echo "pktstat-ci: tests start" >/dev/kmsg

shopt -s nullglob
# PKTSTAT_SUITES: glob over suite names, e.g. "00-*" (default: all).
# shellcheck disable=SC2206 # the glob must expand
suites=("$src"/tests/vm/${PKTSTAT_SUITES:-*}.bats)
for BACKEND in legacy nft; do
	export BACKEND
	export IPT=iptables-$BACKEND IP6T=ip6tables-$BACKEND
	export IPT_SAVE=iptables-$BACKEND-save IPT_RESTORE=iptables-$BACKEND-restore
	export IP6T_SAVE=ip6tables-$BACKEND-save IP6T_RESTORE=ip6tables-$BACKEND-restore
	for s in "${suites[@]}"; do
		t_stream=${EPOCHREALTIME/./}
		reset_state
		name=$(basename "$s" .bats)
		# cd to the suite dir so relative helper loads work.
		# shellcheck disable=SC2016 # $1/$2 belong to the inner bash
		stream "$name-$BACKEND" bash -c 'cd "$1" && exec bats --tap --timing "$2"' _ "$(dirname "$s")" "$s"
	done
done

# The extension's table-driven test, per binary (TAP on stdout).
if [[ -x $src/iptables/run-t-tests.sh && ${PKTSTAT_T_TESTS:-1} == 1 ]]; then
	for bin in ${PKTSTAT_T_BINS:-iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft}; do
		t_stream=${EPOCHREALTIME/./}
		reset_state
		stream "t-$bin" "$src/iptables/run-t-tests.sh" "$bin"
	done
fi
reset_state

echo "pktstat-ci: tests end" >/dev/kmsg
echo "=== BEGIN dmesg ===" >&3
dmesg >&3
echo "=== END dmesg rc=0 ===" >&3
echo "=== PKTSTAT-CI DONE ===" >&3
