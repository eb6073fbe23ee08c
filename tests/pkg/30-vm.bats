#!/usr/bin/env bats
# Boot the root that 20-chroot.bats installed into, under qemu, with its own
# kernels and systemd; the guest suites (guest/*.bats) run as a unit and
# report on the second serial port.
#   1. the root's own 6.1 kernel: the module apt installed loads and counts;
#      the collector's cron mode drains exactly, its timer mode survives an
#      upgrade of pktstat-collect and apt-get remove stops it (modes).
#   2. 6.12, the kernel installed after our package (DKMS's hook built it):
#      loads and counts.
#   3. package upgrade: apt-get installs the next version over the old one,
#      in a chroot of the (loop-mounted) disk image: Debian's DKMS postinst
#      removes the old version and builds the new one for the running and
#      the newest kernel, which for a chroot is the newest, 6.12 -- the same
#      kernels as on a machine already running 6.12. PKG_GUEST_UPGRADE=1
#      does it inside the booted 6.12 guest instead (the real thing, but
#      DKMS under TCG adds ~7 minutes).
#   4. 6.12 again: after the reboot the upgraded module loads and counts;
#      the declared autopkgtest (dkms-autopkgtest) passes for it;
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
	image_umount
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

@test "boot the root's 6.1 kernel: the module apt installed loads and counts; cron and timer modes" {
	guest "$K61" count,modes "$VERSION"
}

@test "kernel upgrade: boot 6.12, the module DKMS's kernel hook built loads and counts" {
	if [[ ${PKG_GUEST_UPGRADE:-0} == 1 ]]; then
		guest "$K612" count,upgrade "$VERSION"
	else
		guest "$K612" count "$VERSION"
	fi
}

@test "package upgrade: apt-get install of the next version replaces the old DKMS tree" {
	[[ ${PKG_GUEST_UPGRADE:-0} != 1 ]] || skip "done in the guest (PKG_GUEST_UPGRADE=1)"
	local m=$PKG_MNT t0 pkgs=(xt-pktstat-dkms xtables-pktstat)
	image_mount
	in_root "$m" dpkg -s pktstat-collect >/dev/null 2>&1 && pkgs+=(pktstat-collect)
	echo 'deb [trusted=yes] file:/srv/xt-pktstat/repo-next ./' \
		>"$m/etc/apt/sources.list.d/xt-pktstat-local.list"
	root_apt_update_local "$m"
	t0=$(now)
	run root_apt "$m" install --no-install-recommends "${pkgs[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	report_time "package upgrade $VERSION -> $NEXT (apt-get, DKMS build)" $(($(now) - t0))
	# shellcheck disable=SC2016 # ${Version} is dpkg-query's field, not ours
	[ "$(in_root "$m" dpkg-query -W -f '${Version}' xt-pktstat-dkms)" = "$NEXT" ]
	run in_root "$m" dkms status -m xt-pktstat
	echo "$output"
	[[ $output != *"xt-pktstat/$VERSION"* ]]
	[[ $output == *"xt-pktstat/$NEXT, $K612, x86_64: installed"* ]]
	[ ! -e "$m/usr/src/xt-pktstat-$VERSION" ]
	[ ! -e "$m/var/lib/dkms/xt-pktstat/$VERSION" ]
	[ -d "$m/usr/src/xt-pktstat-$NEXT" ]
	image_umount
}

@test "reboot into 6.12: the upgraded module loads and counts; dkms-autopkgtest passes; purge leaves nothing" {
	guest "$K612" count,autopkgtest,purge "$NEXT"
}
