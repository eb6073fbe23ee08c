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

# wait_csv_frames N: the collector drains every few seconds.
wait_csv_frames() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(csv_frames csv)" = "$1" ] && return 0
		sleep 0.2
	done
	echo "CSV holds $(csv_frames csv) frames, want $1" >&2
	ls -l /var/log/xt-pktstat/ >&2
	return 1
}

@test "the collector service writes CSV of our traffic, and logrotate archives it" {
	[ -f "$BATS_FILE_TMPDIR/collector-was-active" ] || skip "pktstat-collect not active"
	# An earlier boot of this image may have left its own csv series.
	rm -f /var/log/xt-pktstat/csv.csv* /var/lib/xt-pktstat/csv*
	systemctl start pktstat-collect.service
	iptables -I INPUT -i lo -p udp --dport "$PORT" -m pktstat --period 10ms --name csv
	send_udp 10 100
	wait_csv_frames 10
	# What the daily cron/timer run does, forced: the service reopens on HUP.
	logrotate -f /etc/logrotate.d/pktstat-collect
	[ -s /var/log/xt-pktstat/csv.csv.1 ]
	send_udp 5 100
	wait_csv_frames 15
	[ "$(head -n1 /var/log/xt-pktstat/csv.csv)" = "$(head -n1 /var/log/xt-pktstat/csv.csv.1)" ]
	[ "$(stat -c %U /var/log/xt-pktstat/csv.csv)" = pktstat ]
	iptables -F INPUT
}

@test "unload the module" {
	unload_module
	run lsmod
	[[ $output != *$'\n'"xt_pktstat "* ]]
}
