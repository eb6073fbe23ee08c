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
	[ -z "$(find /usr/src /usr/lib/modules /etc /var/lib /var/log /usr/lib/x86_64-linux-gnu/xtables \
		\( -name '*pktstat*' -o -name 'xt_pktstat*' \) -print)" ]
	run getent passwd pktstat
	[ "$status" -ne 0 ]
	run getent group pktstat
	[ "$status" -ne 0 ]
	run modprobe -n xt_pktstat
	[ "$status" -ne 0 ]
}
