#!/usr/bin/env bats
# Guest, last boot: purge takes every package of ours and all they made.

load lib.bash

@test "apt-get purge removes module, DKMS tree, sources, user and files" {
	unload_module
	local pkgs=(xt-pktstat-dkms xtables-pktstat)
	dpkg -s pktstat-collect >/dev/null 2>&1 && pkgs+=(pktstat-collect)
	run env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${pkgs[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(dkms status -m xt-pktstat)" ]
	[ ! -e /var/lib/dkms/xt-pktstat ]
	# Anything named *pktstat* left, except this harness's own files.
	local left
	left=$(find /usr /etc /var/lib /var/log /var/cache/debconf \
		\( -name '*xt-pktstat-test*' -o -name 'xt-pktstat-pkgtest.service' \
		-o -name 'xt-pktstat-local.list' -o -path /var/lib/apt/lists \) -prune \
		-o -name '*pktstat*' -print)
	echo "left: $left"
	[ -z "$left" ]
	run getent passwd pktstat
	[ "$status" -ne 0 ]
	run getent group pktstat
	[ "$status" -ne 0 ]
	run modprobe -n xt_pktstat
	[ "$status" -ne 0 ]
}
