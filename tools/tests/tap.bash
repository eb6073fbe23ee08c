# shellcheck shell=bash
# TAP for the views' test scripts (sourced):
#   ok STATUS DESCRIPTION   one result; returns non-zero on failure.
#                           TAP_ON_FAIL names a command run after a failure.
#   is GOT WANT DESCRIPTION ok when equal, shows both when not
#   tap_done                the plan; non-zero if anything failed
n=0
failed=0

ok() {
	n=$((n + 1))
	if [[ $1 -eq 0 ]]; then
		echo "ok $n - $2"
		return 0
	fi
	echo "not ok $n - $2"
	failed=$((failed + 1))
	[[ -n ${TAP_ON_FAIL:-} ]] && $TAP_ON_FAIL
	return 1
}

is() {
	[[ "$1" == "$2" ]]
	ok $? "$3" || echo "#   got '$1', want '$2'"
}

tap_done() {
	echo "1..$n"
	[[ $failed -eq 0 ]]
}
