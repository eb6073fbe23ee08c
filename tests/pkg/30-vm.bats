#!/usr/bin/env bats
# Boot the root that 20-chroot.bats installed into, under qemu, with its own
# kernels and systemd; the guest suites (guest/*.bats) run as a unit and
# report on the second serial port.
#   1. the root's own 6.1 kernel: the module apt installed loads and counts.
#   2. 6.12, the kernel installed after our package (DKMS's hook built it):
#      loads and counts; then apt-get installs the next version in the
#      running system, which rebuilds it; it loads and counts.
#   3. 6.12 again: after the reboot the upgraded module loads and counts;
#      then purge leaves nothing.
# VERSION, NEXT, K61, K612 come from files sourced in setup.
# shellcheck disable=SC2153
load lib.sh

setup_file() {
	local base
	base=$(cat "$PKG_BUILD/base")
	work_root_up "$base"
	"$PKG_TOP/tests/pkg/vm.sh" image
}

teardown_file() {
	work_root_down
}

setup() {
	# shellcheck disable=SC1091
	. "$PKG_BUILD/versions"
	root_kernels "$PKG_ROOT"
}

# guest KVER SUITES VERSION: boot and require an all-passing guest TAP.
guest() {
	local kver=$1 suites=$2 version=$3 t0
	t0=$(now)
	run "$PKG_TOP/tests/pkg/vm.sh" boot "$kver" \
		"xtpkt.suites=$suites xtpkt.version=$version xtpkt.next=$NEXT xtpkt.k61=$K61 xtpkt.k612=$K612"
	echo "$output"
	report_time "boot $kver + guest suites $suites" $(($(now) - t0))
	[ "$status" -eq 0 ]
	[[ $output == *"XTPKT-END rc=0"* ]]
	refute_match '^not ok' "$output"
	grep -E '^ok ' <<<"$output" >/dev/null
}

@test "boot the root's 6.1 kernel: the module apt installed loads and counts" {
	guest "$K61" count "$VERSION"
}

@test "kernel upgrade: boot 6.12, the hook-built module counts; package upgrade in the running system" {
	guest "$K612" count,upgrade "$VERSION"
}

@test "reboot into 6.12: the upgraded module loads and counts; purge leaves nothing" {
	guest "$K612" count,purge "$NEXT"
}
