#!/usr/bin/env bats
# Guest: the autopkgtest debian/control declares (Testsuite:
# autopkgtest-pkg-dkms, which autodep8 turns into dkms-autopkgtest; checked
# in 10-build.bats): purge, install, build and install the module. The
# package is named, as grep-dctrl is not installed. For the running kernel
# only (ADT_TEST_TRIGGERS, the way Ubuntu's CI tests one kernel): each
# DKMS build costs minutes under TCG, and 20-chroot.bats builds for every
# other kernel.

@test "dkms-autopkgtest xt-pktstat-dkms passes for the running kernel" {
	local t0 kver abistem
	kver=$(uname -r)
	abistem=$(echo "$kver" | sed 's/-[a-z]*$//')
	cd "$BATS_TEST_TMPDIR"
	t0=$(date +%s)
	run env AUTOPKGTEST_ARTIFACTS="$BATS_TEST_TMPDIR" ADT_TEST_TRIGGERS="linux-meta/$abistem" \
		/usr/lib/dkms/dkms-autopkgtest xt-pktstat-dkms
	echo "$output"
	echo "# time: dkms-autopkgtest in the guest $(($(date +%s) - t0))s" >&3
	[ "$status" -eq 0 ]
	[[ $output == *"I: PASS $kver"* ]]
	[ "$(grep -c '^I: PASS ' <<<"$output")" -eq 1 ]
	[[ $output != *"I: FAIL"* ]]
	[[ $output != *"I: SKIP"* ]]
	dkms status -m xt-pktstat | grep -q "xt-pktstat/$XTPKT_VERSION, $kver, x86_64: installed"
}
