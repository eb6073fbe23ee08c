#!/usr/bin/env bats
# Guest: the autopkgtest debian/control declares (Testsuite:
# autopkgtest-pkg-dkms, which autodep8 turns into dkms-autopkgtest; checked
# in 10-build.bats): purge, install, build and install for every kernel
# with headers. The package is named, as grep-dctrl is not installed.

@test "dkms-autopkgtest xt-pktstat-dkms passes for every kernel with headers" {
	local k kernels=0 t0
	cd "$BATS_TEST_TMPDIR"
	t0=$(date +%s)
	run env AUTOPKGTEST_ARTIFACTS="$BATS_TEST_TMPDIR" /usr/lib/dkms/dkms-autopkgtest xt-pktstat-dkms
	echo "$output"
	echo "# time: dkms-autopkgtest in the guest $(($(date +%s) - t0))s" >&3
	[ "$status" -eq 0 ]
	for k in /lib/modules/*/build; do
		[ -d "$k/include" ] || continue
		k=${k%/build}
		[[ $output == *"I: PASS ${k##*/}"* ]]
		kernels=$((kernels + 1))
	done
	[ "$kernels" -ge 2 ]
	[[ $output != *"I: FAIL"* ]]
	[[ $output != *"I: SKIP"* ]]
}
