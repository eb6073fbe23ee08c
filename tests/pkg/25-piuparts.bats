#!/usr/bin/env bats
# Debian's own judge of maintainer scripts: piuparts, each package alone on
# a minimal bookworm (mkbase.sh: no kmod, no systemd): install -> purge,
# and install $VERSION (from the local repository) -> upgrade to $NEXT ->
# purge, each followed by piuparts' checks (files left or changed,
# processes, broken symlinks, adequate). Dependencies come from the
# Debian mirror: this suite needs the network.
# VERSION and NEXT come from a file sourced in setup.
# shellcheck disable=SC2153
load lib.sh

setup() {
	# shellcheck disable=SC1091
	. "$PKG_BUILD/versions"
}

# piuparts_alone DEB: both tests for the package in DEB (of version NEXT).
piuparts_alone() {
	local deb=$1 base t0 name log
	base=$("$PKG_TOP/tests/pkg/mkbase.sh")
	name=$(basename "$deb" | cut -d_ -f1)
	log=$PKG_BUILD/piuparts-$name.log
	t0=$(now)
	run piuparts --basetgz="$base" --distribution=bookworm --mirror="$PKG_MIRROR" \
		--bindmount="$PKG_BUILD/deb" \
		--extra-repo="deb [trusted=yes] file://$PKG_BUILD/deb ./" "$deb"
	echo "$output" >"$log"
	report_time "piuparts $name (install/purge, upgrade/purge)" $(($(now) - t0))
	grep -E 'INFO: (PASS|FAIL)|ERROR' "$log" || true
	[ "$status" -eq 0 ]
	grep -q 'INFO: PASS: Installation and purging test\.' "$log"
	grep -q 'INFO: PASS: Installation, upgrade and purging tests\.' "$log"
	# The upgrade really went from this version to the next.
	grep -q "Unpacking $name ($VERSION)" "$log"
	grep -q "Unpacking $name ($NEXT) over ($VERSION)" "$log"
}

@test "piuparts: pktstat-collect alone (no kmod: no /etc/modprobe.d)" {
	piuparts_alone "$PKG_BUILD/deb-next/pktstat-collect_${NEXT}_amd64.deb"
	grep -q 'pktstat-collect: no /etc/modprobe.d (kmod is not installed)' \
		"$PKG_BUILD/piuparts-pktstat-collect.log"
}

@test "piuparts: xtables-pktstat alone" {
	piuparts_alone "$PKG_BUILD/deb-next/xtables-pktstat_${NEXT}_amd64.deb"
}

@test "piuparts: xt-pktstat-dkms alone (dkms, no kernel)" {
	piuparts_alone "$PKG_BUILD/deb-next/xt-pktstat-dkms_${NEXT}_all.deb"
}

@test "piuparts: pktstat-views alone (cairo and ncurses from the mirror, no collector)" {
	piuparts_alone "$PKG_BUILD/deb-next/pktstat-views_${NEXT}_amd64.deb"
}
