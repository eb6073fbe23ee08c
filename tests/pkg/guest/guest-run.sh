#!/usr/bin/env bash
# In the guest: run the bats suites named on the kernel command line
# (xtpkt.suites=count,upgrade,...) and write their TAP to the second serial
# port, which the host reads after qemu exits.
set -euo pipefail

out=/dev/ttyS1
here=/usr/local/lib/xt-pktstat-test
suites=()
read -ra cmdline </proc/cmdline
for arg in "${cmdline[@]}"; do
	case $arg in
	xtpkt.suites=*)
		IFS=, read -ra names <<<"${arg#*=}"
		for n in "${names[@]}"; do suites+=("$here/$n.bats"); done
		;;
	xtpkt.*=*)
		# xtpkt.version=0.1.0 -> XTPKT_VERSION=0.1.0 for the suites.
		key=${arg%%=*}
		key=XTPKT_${key#xtpkt.}
		export "${key^^}=${arg#*=}"
		;;
	esac
done

rc=0
{
	echo "XTPKT-BEGIN $(uname -r)"
	bats --tap "${suites[@]}" || rc=$?
	echo "XTPKT-END rc=$rc"
} >"$out" 2>&1
exit 0
