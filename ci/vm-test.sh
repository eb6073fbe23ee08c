#!/usr/bin/env bash
# Run the VM suites on every test kernel (ci/kernels.sh list, or KVERS="..."):
# build the module for it, pack the initramfs, boot it under qemu, and turn
# what comes back into TAP files in build/results/:
#   vm-<kver>-<stream>.tap   one per suite and backend, one per .t run
#   vm-<kver>.tap            the harness's own checks: module built, VM
#                            finished, every stream complete, dmesg clean
#   vm-<kver>-dmesg.log, vm-<kver>-console.log   for reading failures
# Prints a summary per kernel; exits non-zero on any failure.
#
# Env: KVERS, VM_TIMEOUT (seconds per boot), and PKTSTAT_SUITES,
# PKTSTAT_T_TESTS, SUITE_TIMEOUT (see ci/initramfs.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
results=build/results
mkdir -p "$results" build/vm
# Kernel messages that mean the module (or the kernel under it) misbehaved.
DMESG_BAD='Oops|BUG:|WARNING:|Call Trace|[Ll]eak|UBSAN|KASAN|general protection|segfault'

read -r -a kvers <<<"${KVERS:-$(ci/kernels.sh list | tr '\n' ' ')}"
if ((${#kvers[@]} == 0)); then
	echo "ci/vm-test.sh: no kernel with image and headers (run ci/deps.sh)" >&2
	exit 1
fi

# TAP writer for one harness file: ok/not_ok DESC [diagnostic lines...]
tap_n=0
tap_file=
tap_start() { tap_file=$1; tap_n=0; : >"$tap_file"; }
tap() {
	local res=$1 desc=$2
	shift 2
	tap_n=$((tap_n + 1))
	echo "$res $tap_n - $desc" >>"$tap_file"
	if (($#)); then printf '#   %s\n' "$@" >>"$tap_file"; fi
	[[ $res == ok ]] || echo "ci/vm-test.sh: not ok - $desc" >&2
}
tap_end() { echo "1..$tap_n" >>"$tap_file"; }
# Last lines of a log as TAP diagnostics.
tail_of() { tail -n "${2:-20}" "$1" 2>/dev/null || true; }

# --- userspace parts, shared by every kernel ---------------------------------
tap_start "$results/vm-build.tap"
log=build/vm/build-userspace.log
if make -s -C tests/tools >"$log" 2>&1; then
	tap ok "udpsend builds (static)"
else
	mapfile -t l < <(tail_of "$log"); tap "not ok" "udpsend builds (static)" "${l[@]}"
fi
# The suites need -m pktstat: without the extension the VM run is pointless.
have_ext=0
if make -s -C iptables >"$log" 2>&1 && [[ -f iptables/libxt_pktstat.so ]]; then
	tap ok "libxt_pktstat.so builds"
	have_ext=1
else
	mapfile -t l < <(tail_of "$log"); tap "not ok" "libxt_pktstat.so builds" "${l[@]}"
fi
if [[ -f tools/Makefile ]]; then
	if make -s -C tools >"$log" 2>&1; then
		tap ok "tools (pktstat-collect) build"
	else
		mapfile -t l < <(tail_of "$log"); tap "not ok" "tools (pktstat-collect) build" "${l[@]}"
	fi
fi
tap_end

# Streams the guest must report: each suite per backend, the .t table per binary.
shopt -s nullglob
expected=()
# shellcheck disable=SC2206 # the glob must expand
suites=(tests/vm/${PKTSTAT_SUITES:-*}.bats)
for b in legacy nft; do
	for s in "${suites[@]}"; do
		expected+=("$(basename "$s" .bats)-$b")
	done
done
# The extension's .t table checks userspace <-> kernel round trips; it takes
# minutes under TCG, so by default it runs on one kernel only (the default
# build kernel): PKTSTAT_T_TESTS=all runs it everywhere, 0 nowhere.
t_kver=
if [[ -x iptables/run-t-tests.sh && ${PKTSTAT_T_TESTS:-1} != 0 ]]; then
	t_kver=$(ci/kernels.sh default)
	[[ " ${kvers[*]} " == *" $t_kver "* ]] || t_kver=${kvers[0]}
fi
# Each binary costs ~2.5 min under TCG: by default one per backend, crossing
# the families (PKTSTAT_T_BINS=all for the four).
t_bins=${PKTSTAT_T_BINS:-iptables-legacy ip6tables-nft}
[[ $t_bins == all ]] && t_bins="iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft"
t_streams=()
for b in $t_bins; do t_streams+=("t-$b"); done

# --- per kernel ----------------------------------------------------------------
summary=()
for kver in "${kvers[@]}"; do
	t0=$SECONDS
	rm -f "$results/vm-$kver"-*.tap "$results/vm-$kver"-*.log
	tap_start "$results/vm-$kver.tap"
	out=build/vm/$kver
	mkdir -p "$out"
	echo "ci/vm-test.sh: === $kver" >&2

	if ! ci/build-module.sh "$kver" >"$out/module.log" 2>&1; then
		mapfile -t l < <(tail_of "$out/module.log" 30)
		tap "not ok" "xt_pktstat.ko builds for $kver" "${l[@]}"
		tap_end
		summary+=("$kver: module build FAILED")
		continue
	fi
	tap ok "xt_pktstat.ko builds for $kver"
	if ((!have_ext)); then
		tap "not ok" "VM suites on $kver # no libxt_pktstat.so"
		tap_end
		summary+=("$kver: not booted (no extension)")
		continue
	fi
	run_t=0
	if [[ -n $t_kver && ($kver == "$t_kver" || ${PKTSTAT_T_TESTS:-1} == all) ]]; then
		run_t=1
	fi
	if ! PKTSTAT_T_BINS=$t_bins PKTSTAT_T_TESTS=$run_t REQUIRE_EXTENSION=1 ci/initramfs.sh "$kver" "$out/initrd" >"$out/initramfs.log" 2>&1; then
		mapfile -t l < <(tail_of "$out/initramfs.log")
		tap "not ok" "initramfs builds for $kver" "${l[@]}"
		tap_end
		summary+=("$kver: initramfs FAILED")
		continue
	fi

	streams=("${expected[@]}")
	((run_t)) && streams+=("${t_streams[@]}")
	# A hung kernel must not hold CI forever, but slow TCG suites need room:
	# 2 min to boot plus 4 min per stream unless VM_TIMEOUT says otherwise
	# (the guest kills a stream after SUITE_TIMEOUT anyway).
	vm_timeout=${VM_TIMEOUT:-$((120 + 240 * ${#streams[@]}))}

	tb=$SECONDS
	rc=0
	VM_TIMEOUT=$vm_timeout ci/qemu.sh "$kver" "$out/initrd" "$out" || rc=$?
	boot_s=$((SECONDS - tb))
	cp "$out/console.log" "$results/vm-$kver-console.log"

	# Split the results channel into one file per stream; note END lines.
	tr -d '\r' <"$out/results.log" | awk -v dir="$results" -v pre="vm-$kver-" -v ends="$out/ends" '
		BEGIN { printf "" > ends }
		/^=== BEGIN [^ ]+ ===$/ {
			name = $3; file = dir "/" pre name (name == "dmesg" ? ".log" : ".tap")
			printf "" > file; next }
		/^=== END [^ ]+ rc=[0-9]+ ===$/ { if (file != "") close(file); file = ""
			sub(/^rc=/, "", $4); print $3, $4 >> ends; next }
		file != "" { print > file }'

	if ((rc == 124)); then
		tap "not ok" "VM on $kver finished" "timed out after ${vm_timeout}s; see $results/vm-$kver-console.log"
	elif ! grep -q '^=== PKTSTAT-CI DONE ===' "$out/results.log"; then
		mapfile -t l < <(tr -d '\r' <"$out/console.log" | tail -n 20)
		tap "not ok" "VM on $kver finished" "qemu exit $rc, no DONE marker" "${l[@]}"
	else
		tap ok "VM on $kver finished (${boot_s}s)"
	fi

	for s in "${streams[@]}"; do
		f=$results/vm-$kver-$s.tap
		end_rc=$(awk -v s="$s" '$1 == s { print $2 }' "$out/ends")
		if [[ ! -f $f ]]; then
			tap "not ok" "$kver $s: stream present" "the guest never started it"
		elif [[ -z $end_rc ]]; then
			tap "not ok" "$kver $s: stream finished" "cut off (VM died or timed out)"
		elif [[ $end_rc == 124 || $end_rc == 143 ]]; then
			tap "not ok" "$kver $s: finished in time" "killed by the guest's SUITE_TIMEOUT"
		elif ! p=$(ci/tap.sh plan "$f"); then
			tap "not ok" "$kver $s: ran every planned test" "$p (rc=$end_rc)"
		else
			tap ok "$kver $s: complete ($p)"
		fi
	done

	# Judge only what the kernel said once the tests started (boot noise on
	# TCG is not ours), but keep the whole log.
	dm=$results/vm-$kver-dmesg.log
	if [[ ! -s $dm ]]; then
		tap "not ok" "dmesg clean on $kver" "no dmesg came back"
	else
		mapfile -t bad < <(sed -n '/pktstat-ci: tests start/,$p' "$dm" | grep -E "$DMESG_BAD" || true)
		if ((${#bad[@]})); then
			tap "not ok" "dmesg clean on $kver" "${bad[@]}"
			printf 'ci/vm-test.sh: %s dmesg: %s\n' "$kver" "${bad[@]}" >&2
		else
			tap ok "dmesg clean on $kver"
		fi
	fi
	tap_end

	files=("$results/vm-$kver.tap" "$results/vm-$kver"-*.tap)
	line=$(ci/tap.sh sum "${files[@]}" 2>/dev/null | tail -n1 || true)
	summary+=("$kver: $line (boot+suites ${boot_s}s, total $((SECONDS - t0))s)")
done

echo
echo "VM test summary:"
printf '  %s\n' "${summary[@]}"
all=("$results/vm-build.tap")
for kver in "${kvers[@]}"; do
	all+=("$results/vm-$kver.tap" "$results/vm-$kver"-*.tap)
done
ci/tap.sh sum "${all[@]}" >/dev/null
