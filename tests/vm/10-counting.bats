#!/usr/bin/env bats
# Exact counts of known traffic, per window and in total, IPv4 and IPv6.

load lib

setup() { net_up; }
teardown() { net_down; unload_module; }

@test "IPv4: every frame and byte sent is counted, nothing else" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 4096 --name v4
	send4 500 100
	send4 300 1200
	send4 7 100 6000	# another port: not behind this rule
	sleep 0.05
	read_data v4 >/dev/null
	assert_eq "$(last_total v4)" "800 $((500 * 128 + 300 * 1228))"
	assert_eq "$(stat_of v4 frames) $(stat_of v4 bytes)" "$(last_total v4)" stats
	check_lines v4 10000000
}

@test "IPv6: every frame and byte sent is counted" {
	in_rx "$IP6T" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 4096 --name v6
	send6 400 100
	send6 100 1400
	sleep 0.05
	read_data v6 >/dev/null
	assert_eq "$(last_total v6)" "500 $((400 * 148 + 100 * 1448))"
	check_lines v6 10000000
}

@test "windows are aligned, increasing, and each is read once while traffic flows" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 1ms --samples 4096 --name flow
	in_tx udpsend -c 600 -s 200 -i 1000 "$V4_RX" 5000 &
	sender=$!
	while kill -0 "$sender" 2>/dev/null; do
		read_data flow >/dev/null
		sleep 0.01
	done
	wait "$sender"
	sleep 0.01
	read_data flow >/dev/null
	assert_eq "$(last_total flow)" "600 $((600 * 228))"
	n=$(check_lines flow 1000000)
	# 600 packets 1 ms apart over 1 ms windows: many windows, never fewer
	# than the number of reads that returned data.
	[ "$n" -ge 20 ] || { echo "only $n windows"; return 1; }
	# The sum of the per-window deltas is what was sent.
	sum=$(all_lines flow | awk '{ d += $2 - f; f = $2 } END { print d }')
	assert_eq "$sum" 600 "sum of deltas"
}

@test "a burst after an idle gap lands in the window it was sent in" {
	period=100000000
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 100ms --samples 64 --name gap
	send4 5 100
	sleep 0.5
	t0=$(( ${EPOCHREALTIME/./} * 1000 ))
	send4 7 300
	t1=$(( ${EPOCHREALTIME/./} * 1000 ))
	sleep 0.15
	read_data gap >/dev/null
	check_lines gap "$period"
	# Windows ending by t0 hold the first burst, the later ones the second,
	# each ending no more than one period after the burst was sent.
	local before=0 last=0 after=0 bytes=0 first=0 t f b
	while read -r t f b; do
		if (( t <= t0 )); then
			before=$f last=$t
			continue
		fi
		(( t <= t1 + period )) || { echo "window $t ends after $t1 + $period"; return 1; }
		after=$f bytes=$b
		(( first )) || first=$t
	done <"$BATS_TEST_TMPDIR/gap.lines"
	assert_eq "$before $after $bytes" "5 12 $((5 * 128 + 7 * 328))" "before, after, bytes"
	(( first - last >= 4 * period )) || { echo "gap not seen: $last -> $first"; return 1; }
}

@test "traffic from both vCPUs at once is counted exactly" {
	[ "$NCPU" -ge 2 ] || { echo "needs 2 CPUs, have $NCPU"; return 1; }
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 1ms --samples 8192 --name cpus
	in_tx udpsend -c 3000 -s 100 -i 0 -C 0 "$V4_RX" 5000 &
	a=$!
	in_tx udpsend -c 2000 -s 500 -i 0 -C 1 "$V4_RX" 5000 &
	b=$!
	while kill -0 "$a" 2>/dev/null || kill -0 "$b" 2>/dev/null; do
		read_data cpus >/dev/null
		sleep 0.05
	done
	wait "$a"
	wait "$b"
	sleep 0.01
	read_data cpus >/dev/null
	assert_eq "$(last_total cpus)" "5000 $((3000 * 128 + 2000 * 528))"
	check_lines cpus 1000000
	assert_eq "$(stat_of cpus overflows)" 0
}

@test "OUTPUT, in the sender's process context, counts exactly too" {
	# nft hooks run here with softirqs on: the match must turn them off.
	in_tx "$IPT" -A OUTPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name out
	send4 300 100
	sleep 0.05
	run in_tx cat /proc/net/xt_pktstat/out/data
	read -r _ frames bytes <<<"${lines[-1]}"
	assert_eq "$frames $bytes" "300 $((300 * 128))"
}

@test "bytes are skb->len at the hook: IPv4 header + UDP header + payload" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 1s --samples 4 --name len
	send4 1 0
	send4 1 1
	send4 1 1472
	sleep 1.1
	read_data len >/dev/null
	assert_eq "$(last_total len)" "3 $((28 + 29 + 1500))"
}
