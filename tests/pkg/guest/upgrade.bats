#!/usr/bin/env bats
# Guest, running the newest kernel: apt-get installs $XTPKT_NEXT over
# $XTPKT_VERSION from the second local repository. Debian's DKMS postinst
# (common.postinst) removes the old version from every kernel and builds the
# new one for the running and the newest kernel, here the same one.

load lib.bash

@test "apt-get install of $XTPKT_NEXT over $XTPKT_VERSION succeeds" {
	local t0 pkgs=(xt-pktstat-dkms xtables-pktstat)
	dpkg -s pktstat-collect >/dev/null 2>&1 && pkgs+=(pktstat-collect)
	echo 'deb [trusted=yes] file:/srv/xt-pktstat/repo-next ./' \
		>/etc/apt/sources.list.d/xt-pktstat-local.list
	apt-get update -q -o Dir::Etc::sourcelist=sources.list.d/xt-pktstat-local.list \
		-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0
	t0=$(date +%s)
	run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "# time: package upgrade in the guest (DKMS builds under TCG) $(($(date +%s) - t0))s" >&3
	[ "$(dpkg-query -W -f '${Version}' xt-pktstat-dkms)" = "$XTPKT_NEXT" ]
}

@test "the old DKMS tree and sources are gone, the new one built for the running kernel" {
	run dkms status -m xt-pktstat
	echo "$output"
	[[ $output != *"xt-pktstat/$XTPKT_VERSION"* ]]
	[[ $output == *"xt-pktstat/$XTPKT_NEXT, $(uname -r), x86_64: installed"* ]]
	[ ! -e "/usr/src/xt-pktstat-$XTPKT_VERSION" ]
	[ ! -e "/var/lib/dkms/xt-pktstat/$XTPKT_VERSION" ]
	[ -d "/usr/src/xt-pktstat-$XTPKT_NEXT" ]
}

@test "the new module loads and counts without a reboot" {
	unload_module
	count_exact iptables-nft upgraded
	unload_module
}
