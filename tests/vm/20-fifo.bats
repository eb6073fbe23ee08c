#!/usr/bin/env bats
# The FIFO: exact capacity, overflow loses resolution never counts, reads.

load lib

setup() { net_up; }
teardown() { net_down; unload_module; }

@test "tiny FIFO, 10x more windows than capacity: totals exact, overflows counted" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 3 --name tiny
	# One CPU, one packet every 25 ms: about 40 windows with traffic.
	in_tx udpsend -c 40 -s 100 -i 25000 -C 0 "$V4_RX" 5000
	sleep 0.05
	assert_eq "$(stat_of tiny queued)" 3 "queued before reading: the capacity"
	overflows=$(stat_of tiny overflows)
	read_data tiny >/dev/null
	n=$(check_lines tiny 10000000)
	# Three queued windows plus the last one, read live.
	assert_eq "$n" 4 "lines read"
	assert_eq "$(last_total tiny)" "40 $((40 * 128))"
	(( overflows >= 20 && overflows + n <= 40 )) || { echo "overflows $overflows"; return 1; }
	assert_eq "$(stat_of tiny queued)" 0 "queued after reading"
	# The FIFO works again after a drain.
	send4 2 100
	sleep 0.05
	read_data tiny >/dev/null
	assert_eq "$(last_total tiny)" "42 $((42 * 128))"
}

@test "a read buffer shorter than one line is refused, nothing is lost" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 16 --name small
	send4 3 100
	sleep 0.05
	run in_rx dd if=/proc/net/xt_pktstat/small/data bs=10 count=1
	[ "$status" -ne 0 ]
	[[ "$output" == *"nvalid argument"* ]] || { echo "$output"; return 1; }
	read_data small >/dev/null
	assert_eq "$(last_total small)" "3 384"
}

@test "reads drain: a second read returns nothing new, a line is 64 bytes at most" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 16 --name drain
	send4 4 100
	sleep 0.05
	run read_data drain
	[ "${#lines[@]}" -ge 1 ]
	run read_data drain
	assert_eq "$output" ""
	# 64-byte reads still deliver whole lines.
	send4 1 100
	sleep 0.05
	run in_rx dd if=/proc/net/xt_pktstat/drain/data bs=64 count=1 status=none
	[ "$status" -eq 0 ]
	read -r _ frames bytes <<<"$output"
	assert_eq "$frames $bytes" "5 640"
}
