#!/usr/bin/env bats
# Build the packages three times (this version as a Debian upload: source
# and binaries; the next one with LTO added the way Fedora/Ubuntu build,
# for the upgrade test; and with Ubuntu's own default flags), lint them,
# make the local apt repositories and the cached root.

load lib.sh

setup_file() {
	mkdir -p "$PKG_BUILD"
}

setup() {
	VERSION=$(make -s -C "$PKG_TOP" print-version)
}

@test "make deb builds the source and every binary package, lintian --pedantic is clean" {
	local t0
	t0=$(now)
	run make -C "$PKG_TOP" deb DEB_OUT="$PKG_BUILD/deb"
	echo "$output" | tail -40
	[ "$status" -eq 0 ]
	# lintian --pedantic --fail-on error,warning,pedantic,experimental
	# passed on the .changes, which names the .dsc: source and binaries.
	[[ $output == *"lintian --pedantic"*"/deb/*.changes"* ]]
	[ "$(ls "$PKG_BUILD"/deb/*.changes)" = "$PKG_BUILD/deb/xt-pktstat_${VERSION}_amd64.changes" ]
	refute_match '^[EWPX]: ' "$output"
	grep -q "xt-pktstat_$VERSION.dsc" "$PKG_BUILD/deb/xt-pktstat_${VERSION}_amd64.changes"
	ls "$PKG_BUILD/deb/xt-pktstat_$VERSION.dsc" "$PKG_BUILD/deb/xt-pktstat_$VERSION.tar.xz"
	ls "$PKG_BUILD"/deb/xt-pktstat-dkms_*_all.deb
	ls "$PKG_BUILD"/deb/xtables-pktstat_*_amd64.deb
	report_time "make deb (source + binary, lintian)" $(($(now) - t0))
}

@test "the source package: no ELF or other build product, COPYING is the GPL-2 text" {
	local src=$BATS_TEST_TMPDIR/src
	dpkg-source -x "$PKG_BUILD/deb/xt-pktstat_$VERSION.dsc" "$src" >/dev/null
	run sh -c "find '$src' -type f -exec file {} + | grep -E 'ELF|current ar archive'"
	echo "$output"
	[ "$status" -ne 0 ]
	cmp "$src/COPYING" /usr/share/common-licenses/GPL-2
}

@test "debian/changelog and make print-version agree, and the check bites" {
	run make -s -C "$PKG_TOP" deb-check-version
	[ "$status" -eq 0 ]
	run make -s -C "$PKG_TOP" deb-check-version VERSION=9.9.9
	[ "$status" -ne 0 ]
	[[ $output == *"Makefile VERSION says 9.9.9"* ]]
}

@test "the DKMS package: module sources, dkms.conf with BUILD_EXCLUSIVE and no CLEAN, the README" {
	local deb conf
	deb=$(ls "$PKG_BUILD"/deb/xt-pktstat-dkms_"$VERSION"_all.deb)
	run dpkg-deb -c "$deb"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q " ./usr/src/xt-pktstat-$VERSION/dkms.conf$"
	echo "$output" | grep -q " ./usr/src/xt-pktstat-$VERSION/Kbuild$"
	echo "$output" | grep -q " ./usr/src/xt-pktstat-$VERSION/include/uapi/linux/netfilter/xt_pktstat.h$"
	refute_match '\.(o|ko|mod|cmd|mod\.c)$|/config\.h$|Module\.symvers|modules\.order' "$output"
	conf=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./usr/src/xt-pktstat-$VERSION/dkms.conf")
	grep -qx "PACKAGE_VERSION=\"$VERSION\"" <<<"$conf"
	grep -qx 'AUTOINSTALL="yes"' <<<"$conf"
	grep -qx 'BUILD_EXCLUSIVE_CONFIG="CONFIG_NETFILTER_XTABLES"' <<<"$conf"
	grep -q '^BUILD_EXCLUSIVE_KERNEL=' <<<"$conf"
	refute_match '^CLEAN' "$conf"
	# The README (Secure Boot steps) comes with the module.
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xOf - ./usr/share/doc/xt-pktstat-dkms/README.md.gz | zcat |
		grep -q 'mokutil --import /var/lib/dkms/mok.pub'
	# Maintainer scripts are dh_dkms's.
	run sh -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xOf - ./postinst"
	echo "$output" | grep -q '/usr/lib/dkms/common.postinst'
}

@test "BUILD_EXCLUSIVE_KERNEL takes 6.1 and later, nothing older" {
	local conf k
	conf=$(cat "$PKG_TOP/dkms.conf")
	for k in 6.1.0-57-cloud-amd64 6.12.95+deb12-rt-amd64 6.19.0-1-amd64 7.0.0-1-amd64 10.1.2; do
		bash -c "$conf"$'\n''[[ $1 =~ $BUILD_EXCLUSIVE_KERNEL ]]' _ "$k"
	done
	for k in 6.0.12-1-amd64 5.10.0-30-amd64 4.19.0-27-amd64 3.16.0-11-amd64; do
		run bash -c "$conf"$'\n''[[ $1 =~ $BUILD_EXCLUSIVE_KERNEL ]]' _ "$k"
		[ "$status" -ne 0 ]
	done
}

@test "relations: no headers flavour recommended; module and extension kept in step; openssl" {
	local dkms ext
	dkms=$(ls "$PKG_BUILD"/deb/xt-pktstat-dkms_"$VERSION"_all.deb)
	ext=$(ls "$PKG_BUILD"/deb/xtables-pktstat_"$VERSION"_amd64.deb)
	run dpkg-deb -f "$dkms" Depends Recommends Breaks
	echo "$output"
	[[ $output == *"Depends: dkms"* ]]
	# linux-headers-amd64 is the wrong flavour on the cloud and rt kernels.
	refute_match 'linux-headers' "$output"
	[[ $output == *"Recommends: openssl, xtables-pktstat (= $VERSION)"* ]]
	[[ $output == *"Breaks: xtables-pktstat (<< $VERSION)"* ]]
	run dpkg-deb -f "$ext" Recommends Breaks
	echo "$output"
	[[ $output == *"Recommends: xt-pktstat-dkms (= $VERSION)"* ]]
	[[ $output == *"Breaks: xt-pktstat-dkms (<< $VERSION)"* ]]
}

@test "the extension depends on the libxtables soname it links, and ships xt_pktstat(8)" {
	local deb
	deb=$(ls "$PKG_BUILD"/deb/xtables-pktstat_*_amd64.deb)
	run dpkg-deb -f "$deb" Depends
	echo "$output"
	[[ $output == *"libxtables12"* ]]
	run sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./usr/lib/x86_64-linux-gnu/xtables/libxt_pktstat.so > '$BATS_TEST_TMPDIR/x.so' && readelf -d '$BATS_TEST_TMPDIR/x.so'"
	[[ $output == *"[libxtables.so.12]"* ]]
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/man/man8/xt_pktstat.8.gz |
		zcat >"$BATS_TEST_TMPDIR/xt_pktstat.8"
	# groff's own warnings (lintian runs the same check).
	run sh -c "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z '$BATS_TEST_TMPDIR/xt_pktstat.8' 2>&1 >/dev/null"
	echo "$output"
	[ -z "$output" ]
}

@test "pktstat-views: both programs and their pages; cairo, ncurses, zlib by soname; only it needs them" {
	local views collect
	views=$(ls "$PKG_BUILD"/deb/pktstat-views_"$VERSION"_amd64.deb)
	collect=$(ls "$PKG_BUILD"/deb/pktstat-collect_"$VERSION"_amd64.deb)
	run sh -c "dpkg-deb -c '$views' | awk '{ print \$6 }' | grep -v '/\$' | LC_ALL=C sort"
	echo "$output"
	[ "$output" = "$(printf '%s\n' ./usr/bin/pktstat-plot ./usr/bin/pktstat-top \
		./usr/share/doc/pktstat-views/changelog.gz ./usr/share/doc/pktstat-views/copyright \
		./usr/share/man/man1/pktstat-plot.1.gz ./usr/share/man/man1/pktstat-top.1.gz)" ]
	run dpkg-deb -f "$views" Section Depends Recommends
	echo "$output"
	[[ $output == *"Section: net"* ]]
	[[ $output == *"libcairo2 "* && $output == *"libncursesw6 "* && $output == *"zlib1g "* ]]
	[[ $output == *"Recommends: pktstat-collect"* ]]
	# The collector's own package stays free of them.
	run dpkg-deb -f "$collect" Depends Recommends
	echo "$output"
	refute_match 'cairo|ncurses|tinfo|zlib|pktstat-views' "$output"
	# The views and node_exporter (its Prometheus textfile) are suggested.
	run dpkg-deb -f "$collect" Suggests
	# One field: dpkg-deb prints its value alone.
	[ "$output" = "pktstat-views, prometheus-node-exporter" ]
	# groff's own warnings on both pages (lintian runs the same check).
	for page in pktstat-top pktstat-plot; do
		dpkg-deb --fsys-tarfile "$views" | tar -xOf - "./usr/share/man/man1/$page.1.gz" |
			zcat >"$BATS_TEST_TMPDIR/$page.1"
		run sh -c "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z '$BATS_TEST_TMPDIR/$page.1' 2>&1 >/dev/null"
		echo "$output"
		[ -z "$output" ]
	done
}

# unmet_build_deps [PROFILE]: Build-Depends against an empty dpkg database,
# that is all of them, as the given build profile selects them.
unmet_build_deps() {
	local profile=()
	[[ -z ${1:-} ]] || profile=(-P "$1")
	mkdir -p "$BATS_TEST_TMPDIR/admin"
	: >"$BATS_TEST_TMPDIR/admin/status"
	(
		cd "$PKG_TOP" || exit
		dpkg-checkbuilddeps --admindir="$BATS_TEST_TMPDIR/admin" "${profile[@]}" 2>&1 || true
	)
}

@test "build profile pkg.xt-pktstat.nocollect: no collector, no views, nor their Build-Depends" {
	local t0
	run unmet_build_deps
	echo "$output"
	[[ $output == *"libcairo2-dev"* && $output == *"libncurses-dev"* && $output == *"zlib1g-dev"* ]]
	run unmet_build_deps pkg.xt-pktstat.nocollect
	echo "$output"
	[[ $output == *"libxtables-dev"* ]]
	refute_match 'cairo|ncurses|zlib' "$output"
	t0=$(now)
	run make -C "$PKG_TOP" deb DEB_PROFILES=pkg.xt-pktstat.nocollect DEB_BUILD_TYPE=-b \
		DEB_OUT="$BATS_TEST_TMPDIR/deb" DEB_WORK="$BATS_TEST_TMPDIR/deb-work" DEB_LINTIAN=no
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	refute_match '^cc .*pktstat-(collect|top|plot)' "$output"
	run sh -c "cd '$BATS_TEST_TMPDIR/deb' && ls *.deb | cut -d_ -f1 | LC_ALL=C sort"
	echo "$output"
	[ "$output" = "$(printf '%s\n' xt-pktstat-dkms xtables-pktstat xtables-pktstat-dbgsym)" ]
	report_time "make deb (nocollect profile, binary only)" $(($(now) - t0))
}

@test "the declared autopkgtest (autodep8, Testsuite: autopkgtest-pkg-dkms) is dkms-autopkgtest" {
	# 30-vm.bats runs this very command in the booted guest.
	run sh -c "cd '$PKG_TOP' && autodep8"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Test-Command: /usr/lib/dkms/dkms-autopkgtest"* ]]
	# With no argument it tests the packages named *-dkms or depending on
	# dkms; the guest names them, as it has no dctrl-tools.
	run awk '/^Package:/ { p = $2 } /^Depends:.*(^|[ ,])dkms([ ,]|$)/ { print p }' "$PKG_TOP/debian/control"
	[ "$output" = xt-pktstat-dkms ]
}

@test "warnings fail the project's own builds (-Werror), not the packages' (WERROR=)" {
	run make -n -C "$PKG_TOP/iptables" -B libxt_pktstat.so
	[[ $output == *"-Werror"* ]]
	run make -n -C "$PKG_TOP/tools" -B pktstat-collect
	[[ $output == *"-Werror"* ]]
	run sed -n '/^TOPMAKE/p' "$PKG_TOP/debian/rules"
	[[ $output == *"WERROR="* ]]
	grep -q 'make_build .*WERROR= ' "$PKG_TOP/rpm/xt_pktstat.spec.in"
}

# build_log_clean LOG: the extension and the collector were compiled with
# LTO and without a single warning (the fix, not just WERROR=, is proven).
build_log_clean() {
	grep -E '^cc -I\.\./src/include/uapi .*-flto=auto' "$1"
	grep -E '^cc .*-DVERSION=.*-flto=auto' "$1"
	if grep -E '(\.[ch]:[0-9]+(:[0-9]+)?|^lto1|^lto-wrapper): warning:' "$1"; then
		return 1
	fi
}

@test "the next version builds with LTO added to the flags (DEB_CFLAGS_APPEND), for the upgrade test" {
	local next t0
	t0=$(now)
	next=$(echo "$VERSION" | awk -F. -v OFS=. '{ $NF = $NF + 1; print }')
	# What Fedora, RHEL 9 and Ubuntu build with: gcc 12 then reported
	# 'period' may be used uninitialized, and -Werror failed the build.
	run env DEB_CFLAGS_APPEND="-flto=auto -ffat-lto-objects" \
		DEB_LDFLAGS_APPEND="-flto=auto -ffat-lto-objects" \
		make -C "$PKG_TOP" deb DEB_VERSION_OVERRIDE="$next" DEB_BUILD_TYPE=-b \
		DEB_OUT="$PKG_BUILD/deb-next" DEB_WORK="$PKG_BUILD/deb-work-next" DEB_LINTIAN=no
	echo "$output" >"$PKG_BUILD/deb-next.log"
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	build_log_clean "$PKG_BUILD/deb-next.log"
	ls "$PKG_BUILD/deb-next/xt-pktstat-dkms_${next}_all.deb"
	printf 'VERSION=%s\nNEXT=%s\n' "$VERSION" "$next" >"$PKG_BUILD/versions"
	report_time "make deb (next version, LTO, binary only)" $(($(now) - t0))
}

@test "Ubuntu's default flags (optimize=+lto, despite debian/rules' DEB_BUILD_MAINT_OPTIONS) build" {
	local origins=$BATS_TEST_TMPDIR/origins t0
	t0=$(now)
	# dpkg's own Ubuntu vendor code, selected the way an Ubuntu system does.
	mkdir -p "$origins"
	cp /etc/dpkg/origins/debian "$origins/"
	printf 'Vendor: Ubuntu\nVendor-URL: https://www.ubuntu.com/\nParent: Debian\n' \
		>"$origins/ubuntu"
	run env DPKG_ORIGINS_DIR="$origins" DEB_VENDOR=Ubuntu \
		DEB_BUILD_MAINT_OPTIONS="$(sed -n 's/^export DEB_BUILD_MAINT_OPTIONS = //p' "$PKG_TOP/debian/rules")" \
		dpkg-buildflags --get CFLAGS
	echo "$output"
	[[ $output == *"-flto=auto -ffat-lto-objects"* ]]
	run env DPKG_ORIGINS_DIR="$origins" DEB_VENDOR=Ubuntu \
		make -C "$PKG_TOP" deb DEB_BUILD_TYPE=-b DEB_OUT="$BATS_TEST_TMPDIR/deb" \
		DEB_WORK="$BATS_TEST_TMPDIR/deb-work" DEB_LINTIAN=no
	echo "$output" >"$BATS_TEST_TMPDIR/build.log"
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	build_log_clean "$BATS_TEST_TMPDIR/build.log"
	grep -q -- '-Wl,-Bsymbolic-functions' "$BATS_TEST_TMPDIR/build.log"
	report_time "make deb (Ubuntu flags, binary only)" $(($(now) - t0))
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
