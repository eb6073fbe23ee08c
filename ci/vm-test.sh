#!/usr/bin/env bash
# Run the VM suites on every test kernel (ci/kernels.sh list, or KVERS="..."):
# build the module for it, pack the initramfs, boot it under qemu, and turn
# what comes back into TAP files in build/results/:
#   vm-<kver>-<stream>.tap   one per suite and backend, one per .t run
#   vm-<kver>.tap            the harness's own checks: module built, VM
#                            finished, every stream complete (with its
#                            seconds), dmesg clean
#   vm-<kver>-dmesg.log, vm-<kver>-console.log   for reading failures
#
#   ci/vm-test.sh               the userspace parts, then every kernel, VM_JOBS
#                               guests at once; a summary; exit 1 on any failure
#   ci/vm-test.sh build         the userspace parts only (vm-build.tap)
#   ci/vm-test.sh kernel KVER   one kernel, after `build` (ci/check.sh runs
#                               each kernel as a step of its own)
#
# Kernels are independent (own module build, initramfs and results), so
# their guests can run side by side: each keeps one vCPU busy most of the
# time, and guests spend much of a suite waiting on its clock.
#
# Env: KVERS, VM_JOBS (guests at once, default nproc), VM_TIMEOUT (seconds
# per boot), PKTSTAT_T_TESTS, PKTSTAT_T_BINS (the .t table, see below), and
# PKTSTAT_SUITES, SUITE_TIMEOUT (see ci/initramfs.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
results=build/results
mkdir -p "$results" build/vm
# Kernel messages that mean the module (or the kernel under it) misbehaved.
DMESG_BAD='Oops|BUG:|WARNING:|Call Trace|[Ll]eak|UBSAN|KASAN|general protection|segfault'

read -r -a kvers <<<"${KVERS:-$(ci/kernels.sh list | tr '\n' ' ')}"

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
build_userspace() {
	local log=build/vm/build-userspace.log l
	tap_start "$results/vm-build.tap"
	if make -s -C tests/tools >"$log" 2>&1; then
		tap ok "udpsend builds (static)"
	else
		mapfile -t l < <(tail_of "$log"); tap "not ok" "udpsend builds (static)" "${l[@]}"
	fi
	# The suites need -m pktstat: without the extension the VM run is pointless.
	if make -s -C iptables >"$log" 2>&1 && [[ -f iptables/libxt_pktstat.so ]]; then
		tap ok "libxt_pktstat.so builds"
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
	ci/tap.sh sum "$results/vm-build.tap" >/dev/null
}

# --- the .t table ----------------------------------------------------------------
# The extension's .t table checks userspace <-> kernel round trips (add,
# -S text, delete by that text, save | restore). By default each binary runs
# on one kernel: iptables-legacy on the oldest and ip6tables-nft on the
# newest (nft's compat layer is what changes most between kernels), so both
# backends and both families meet a kernel series each and no guest carries
# the whole table. PKTSTAT_T_TESTS=all runs every binary on every kernel, 0
# none; PKTSTAT_T_BINS names the binaries (all: the four).
t_bins_for() {
	local kver=$1 bins sorted i=0 k b
	[[ -x iptables/run-t-tests.sh && ${PKTSTAT_T_TESTS:-1} != 0 ]] || return 0
	bins=${PKTSTAT_T_BINS:-iptables-legacy ip6tables-nft}
	[[ $bins == all ]] && bins="iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft"
	if [[ ${PKTSTAT_T_TESTS:-1} == all ]]; then
		echo "$bins"
		return 0
	fi
	# Kernels oldest first; binary i goes to kernel i * (n - 1) / (bins - 1):
	# the first to the oldest, the last to the newest.
	mapfile -t sorted < <(printf '%s\n' "${kvers[@]}" | sort -V)
	read -r -a bins <<<"$bins"
	for b in "${bins[@]}"; do
		if ((${#bins[@]} == 1)); then
			k=$((${#sorted[@]} - 1))
		else
			k=$((i * (${#sorted[@]} - 1) / (${#bins[@]} - 1)))
		fi
		[[ ${sorted[k]} == "$kver" ]] && echo "$b"
		i=$((i + 1))
	done | tr '\n' ' '
}

# --- one kernel --------------------------------------------------------------------
# Writes vm-<kver>*.tap and build/vm/<kver>/summary; exit 1 on any failure.
run_kernel() {
	local kver=$1 t0=$SECONDS out=build/vm/$1 l rc tb boot_s vm_timeout s f
	local end_rc secs p bad dm t_bins line
	local -a suites=() streams=() files=()
	rm -f "$results/vm-$kver"-*.tap "$results/vm-$kver"-*.log
	tap_start "$results/vm-$kver.tap"
	mkdir -p "$out"
	: >"$out/summary"
	echo "ci/vm-test.sh: === $kver" >&2

	if ! ci/build-module.sh "$kver" >"$out/module.log" 2>&1; then
		mapfile -t l < <(tail_of "$out/module.log" 30)
		tap "not ok" "xt_pktstat.ko builds for $kver" "${l[@]}"
		tap_end
		echo "$kver: module build FAILED" >"$out/summary"
		return 1
	fi
	tap ok "xt_pktstat.ko builds for $kver"
	if [[ ! -f iptables/libxt_pktstat.so ]]; then
		tap "not ok" "VM suites on $kver # no libxt_pktstat.so"
		tap_end
		echo "$kver: not booted (no extension)" >"$out/summary"
		return 1
	fi
	t_bins=$(t_bins_for "$kver")
	if ! PKTSTAT_T_BINS=$t_bins PKTSTAT_T_TESTS=$([[ -n $t_bins ]] && echo 1 || echo 0) \
		REQUIRE_EXTENSION=1 ci/initramfs.sh "$kver" "$out/initrd" >"$out/initramfs.log" 2>&1; then
		mapfile -t l < <(tail_of "$out/initramfs.log")
		tap "not ok" "initramfs builds for $kver" "${l[@]}"
		tap_end
		echo "$kver: initramfs FAILED" >"$out/summary"
		return 1
	fi

	# Streams the guest must report: each suite per backend, the .t table per binary.
	shopt -s nullglob
	# shellcheck disable=SC2206 # the glob must expand
	suites=(tests/vm/${PKTSTAT_SUITES:-*}.bats)
	for b in legacy nft; do
		for s in "${suites[@]}"; do
			streams+=("$(basename "$s" .bats)-$b")
		done
	done
	for b in $t_bins; do streams+=("t-$b"); done
	# A hung kernel must not hold CI forever, but slow TCG suites need room:
	# 2 min to boot plus 4 min per stream unless VM_TIMEOUT says otherwise
	# (the guest kills a stream after SUITE_TIMEOUT anyway).
	vm_timeout=${VM_TIMEOUT:-$((120 + 240 * ${#streams[@]}))}

	tb=$SECONDS
	rc=0
	VM_TIMEOUT=$vm_timeout ci/qemu.sh "$kver" "$out/initrd" "$out" || rc=$?
	boot_s=$((SECONDS - tb))
	cp "$out/console.log" "$results/vm-$kver-console.log"

	# Split the results channel into one file per stream; note END lines
	# ("name rc secs").
	tr -d '\r' <"$out/results.log" | awk -v dir="$results" -v pre="vm-$kver-" -v ends="$out/ends" '
		BEGIN { printf "" > ends }
		/^=== BEGIN [^ ]+ ===$/ {
			name = $3; file = dir "/" pre name (name == "dmesg" ? ".log" : ".tap")
			printf "" > file; next }
		/^=== END [^ ]+ rc=[0-9]+( secs=[0-9.]+)? ===$/ { if (file != "") close(file); file = ""
			sub(/^rc=/, "", $4); secs = "?"
			if ($5 ~ /^secs=/) { secs = $5; sub(/^secs=/, "", secs) }
			print $3, $4, secs >> ends; next }
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
		read -r end_rc secs < <(awk -v s="$s" '$1 == s { print $2, $3 }' "$out/ends") || true
		if [[ ! -f $f ]]; then
			tap "not ok" "$kver $s: stream present" "the guest never started it"
		elif [[ -z ${end_rc:-} ]]; then
			tap "not ok" "$kver $s: stream finished" "cut off (VM died or timed out)"
		elif [[ $end_rc == 124 || $end_rc == 143 ]]; then
			tap "not ok" "$kver $s: finished in time" "killed by the guest's SUITE_TIMEOUT"
		elif ! p=$(ci/tap.sh plan "$f"); then
			tap "not ok" "$kver $s: ran every planned test" "$p (rc=$end_rc)"
		else
			tap ok "$kver $s: complete ($p) in ${secs}s"
		fi
		end_rc=
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
	echo "$kver: $line (boot+suites ${boot_s}s, total $((SECONDS - t0))s)" >"$out/summary"
	# Where a guest's time went, slowest stream first.
	sort -k3 -rn "$out/ends" | awk '$3 != "?" { printf "    %-28s %7.1fs\n", $1, $3 }' >&2
	ci/tap.sh sum "${files[@]}" >/dev/null
}

case ${1:-all} in
build)
	build_userspace
	;;
kernel)
	run_kernel "${2:?usage: ci/vm-test.sh kernel KVER}"
	;;
all)
	if ((${#kvers[@]} == 0)); then
		echo "ci/vm-test.sh: no kernel with image and headers (run ci/deps.sh)" >&2
		exit 1
	fi
	build_userspace || true
	# VM_JOBS kernels at once; each in its own process, results in files.
	jobs_max=${VM_JOBS:-$(nproc)}
	pids=()
	for kver in "${kvers[@]}"; do
		while (($(jobs -rp | wc -l) >= jobs_max)); do wait -n || true; done
		run_kernel "$kver" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
	echo
	echo "VM test summary:"
	all=("$results/vm-build.tap")
	for kver in "${kvers[@]}"; do
		sed 's/^/  /' "build/vm/$kver/summary" 2>/dev/null || echo "  $kver: no summary"
		all+=("$results/vm-$kver.tap" "$results/vm-$kver"-*.tap)
	done
	ci/tap.sh sum "${all[@]}" >/dev/null
	;;
*)
	echo "usage: ci/vm-test.sh [build | kernel KVER]" >&2
	exit 2
	;;
esac
