#!/usr/bin/env bats
# Guest, any kernel: the DKMS-built module of version $XTPKT_VERSION is
# installed for the running kernel, a -m pktstat rule loads it, and it
# counts exactly, with both iptables backends.

load lib.bash

setup_file() {
	# The collector would drain the windows these tests read.
	if systemctl -q is-active pktstat-collect.service; then
		systemctl stop pktstat-collect.service
		touch "$BATS_FILE_TMPDIR/collector-was-active"
	fi
}

@test "dkms status: $XTPKT_VERSION installed for $(uname -r)" {
	run dkms status -m xt-pktstat
	echo "$output"
	[[ $output == *"xt-pktstat/$XTPKT_VERSION, $(uname -r), x86_64: installed"* ]]
}

@test "a -m pktstat rule loads the DKMS module" {
	unload_module
	iptables -I INPUT -i lo -p udp --dport "$PORT" -m pktstat --name load
	lsmod | grep -q '^xt_pktstat '
	run modinfo -F filename xt_pktstat
	echo "$output"
	[[ $output == "/lib/modules/$(uname -r)/updates/dkms/xt_pktstat.ko"* ]]
	[ -d /proc/net/xt_pktstat/load ]
	iptables -F INPUT
}

@test "counts exact frames and bytes (iptables-nft)" {
	count_exact iptables-nft nft
}

@test "counts exact frames and bytes (iptables-legacy)" {
	count_exact iptables-legacy legacy
}

@test "with the collector installed, /proc files belong to group pktstat" {
	getent group pktstat >/dev/null || skip "pktstat-collect not installed"
	iptables -I INPUT -i lo -p udp --dport "$PORT" -m pktstat --name perms
	stat -c '%G %a' /proc/net/xt_pktstat/perms/data
	[ "$(stat -c %G /proc/net/xt_pktstat/perms/data)" = pktstat ]
	iptables -F INPUT
}

@test "the collector service writes CSV of our traffic" {
	[ -f "$BATS_FILE_TMPDIR/collector-was-active" ] || skip "pktstat-collect not active"
	systemctl start pktstat-collect.service
	iptables -I INPUT -i lo -p udp --dport "$PORT" -m pktstat --period 10ms --name csv
	send_udp 10 100
	local i
	for ((i = 0; i < 50; i++)); do
		ls /var/log/xt-pktstat/csv* 2>/dev/null && break
		sleep 0.2
	done
	ls -l /var/log/xt-pktstat/
	ls /var/log/xt-pktstat/csv*
	iptables -F INPUT
}

@test "unload the module" {
	unload_module
	run lsmod
	[[ $output != *$'\n'"xt_pktstat "* ]]
}
