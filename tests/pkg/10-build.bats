#!/usr/bin/env bats
# Build the packages twice (this version and the next one, for the upgrade
# test), lint them, make the local apt repositories and the cached root.

load lib.sh

setup_file() {
	mkdir -p "$PKG_BUILD"
}

@test "make deb builds every package and lintian is clean" {
	local t0
	t0=$(now)
	run make -C "$PKG_TOP" deb DEB_OUT="$PKG_BUILD/deb"
	echo "$output" | tail -40
	[ "$status" -eq 0 ]
	# lintian --fail-on error,warning passed; list what it said anyway.
	refute_match '^[EW]: ' "$output"
	ls "$PKG_BUILD"/deb/xt-pktstat-dkms_*_all.deb
	ls "$PKG_BUILD"/deb/xtables-pktstat_*_amd64.deb
	report_time "make deb (with lintian)" $(($(now) - t0))
}

@test "debian/changelog and make print-version agree, and the check bites" {
	run make -s -C "$PKG_TOP" deb-check-version
	[ "$status" -eq 0 ]
	run make -s -C "$PKG_TOP" deb-check-version VERSION=9.9.9
	[ "$status" -ne 0 ]
	[[ $output == *"Makefile VERSION says 9.9.9"* ]]
}

@test "the DKMS package holds module sources and a versioned dkms.conf only" {
	local version deb
	version=$(make -s -C "$PKG_TOP" print-version)
	deb=$(ls "$PKG_BUILD"/deb/xt-pktstat-dkms_"$version"_all.deb)
	run dpkg-deb -c "$deb"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q " ./usr/src/xt-pktstat-$version/dkms.conf$"
	echo "$output" | grep -q " ./usr/src/xt-pktstat-$version/Kbuild$"
	echo "$output" | grep -q " ./usr/src/xt-pktstat-$version/include/uapi/linux/netfilter/xt_pktstat.h$"
	refute_match '\.(o|ko|mod|cmd|mod\.c)$|/config\.h$|Module\.symvers|modules\.order' "$output"
	run sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./usr/src/xt-pktstat-$version/dkms.conf"
	echo "$output" | grep -qx "PACKAGE_VERSION=\"$version\""
	echo "$output" | grep -qx 'AUTOINSTALL="yes"'
	run dpkg-deb -f "$deb" Depends Recommends
	echo "$output"
	[[ $output == *"Depends: dkms"* ]]
	[[ $output == *"Recommends: linux-headers-amd64 | linux-headers-generic"* ]]
	# Maintainer scripts are dh_dkms's.
	run sh -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xOf - ./postinst"
	echo "$output" | grep -q '/usr/lib/dkms/common.postinst'
}

@test "the extension depends on the libxtables soname it links" {
	local deb
	deb=$(ls "$PKG_BUILD"/deb/xtables-pktstat_*_amd64.deb)
	run dpkg-deb -f "$deb" Depends
	echo "$output"
	[[ $output == *"libxtables12"* ]]
	run sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./usr/lib/x86_64-linux-gnu/xtables/libxt_pktstat.so > '$BATS_TMPDIR/x.so' && readelf -d '$BATS_TMPDIR/x.so'"
	[[ $output == *"[libxtables.so.12]"* ]]
}

@test "a higher version builds for the package-upgrade test" {
	local version next t0
	t0=$(now)
	version=$(make -s -C "$PKG_TOP" print-version)
	next=$(echo "$version" | awk -F. -v OFS=. '{ $NF = $NF + 1; print }')
	run make -C "$PKG_TOP" deb DEB_VERSION_OVERRIDE="$next" \
		DEB_OUT="$PKG_BUILD/deb-next" DEB_WORK="$PKG_BUILD/deb-work-next" DEB_LINTIAN=no
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	ls "$PKG_BUILD/deb-next/xt-pktstat-dkms_${next}_all.deb"
	printf 'VERSION=%s\nNEXT=%s\n' "$version" "$next" >"$PKG_BUILD/versions"
	report_time "make deb (next version, no lintian)" $(($(now) - t0))
}

@test "local apt repositories from the built packages" {
	"$PKG_TOP/tests/pkg/mkrepo.sh" "$PKG_BUILD/deb"
	"$PKG_TOP/tests/pkg/mkrepo.sh" "$PKG_BUILD/deb-next"
	grep -q '^Package: xt-pktstat-dkms' "$PKG_BUILD/deb/Packages"
	grep -q '^Package: xt-pktstat-dkms' "$PKG_BUILD/deb-next/Packages"
}

@test "bookworm root (debootstrap, cached on its package list)" {
	local t0 base
	t0=$(now)
	base=$("$PKG_TOP/tests/pkg/mkroot.sh")
	[ -f "$base/etc/xt-pktstat-test/kernels" ]
	echo "$base" >"$PKG_BUILD/base"
	report_time "bookworm root (mkroot.sh)" $(($(now) - t0))
}
