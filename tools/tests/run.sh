#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run TAP-producing test commands and merge them into one TAP stream:
# renumber the results, print one plan, fail if any test or command failed.
set -u
n=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for cmd in "$@"; do
	# shellcheck disable=SC2086 # a command with its arguments
	$cmd >"$out"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*|"not ok "*)
			n=$((n + 1))
			case $line in "not ok"*) failed=$((failed + 1)) ;; esac
			status=${line%%ok *}ok
			rest=${line#*ok }
			rest=${rest#* }
			echo "$status $n $rest"
			;;
		1..*) ;;
		*) echo "$line" ;;
		esac
	done <"$out"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		n=$((n + 1))
		failed=1
		echo "not ok $n - $cmd exited $rc"
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
