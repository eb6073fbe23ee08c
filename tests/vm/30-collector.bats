#!/usr/bin/env bats
# CPID is set and read within each test (one subshell): SC2030/SC2031 do not apply.
# shellcheck disable=SC2030,SC2031
# SPDX-License-Identifier: GPL-2.0
# pktstat-collect with the real module: the CSV deltas add up to exactly
# what was sent, with every window once, through logrotate, kill -9, a
# recreated instance and a full disk.

load lib

setup() {
	net_up
	D=$BATS_TEST_TMPDIR
	mkdir -p "$D/out" "$D/state"
	CPID=
}

# Every step must run: no "a && b" here, a false "a" would end teardown.
teardown() {
	if [[ -n "$CPID" ]]; then
		kill -9 "$CPID" 2>/dev/null || true
	fi
	if grep -q " $D/out " /proc/mounts; then
		umount "$D/out"
	fi
	net_down
	unload_module
}

# Instances are per netns: the collector runs in the receiver's. `ip netns
# exec` execs, so $! is the collector itself.
collector_start() {
	ip netns exec "$NS_RX" pktstat-collect --daemon --interval 20ms \
		-o "$D/out" -s "$D/state" "$@" 2>>"$D/collector.log" &
	CPID=$!
	sleep 0.2
	kill -0 "$CPID"
}

collector_stop() {
	kill -TERM "$CPID"
	wait "$CPID"
	local rc=$?
	CPID=
	return "$rc"
}

# Every CSV file of instance $1, oldest first (name.csv.N ... .1, .csv).
csv_files() {
	local n
	for n in $(find "$D/out" -name "$1.csv.*" | sed 's/.*\.csv\.//' | sort -nr); do
		echo "$D/out/$1.csv.$n"
	done
	echo "$D/out/$1.csv"
}

cat_csv() { local f; for f in $(csv_files "$1"); do cat "$f"; done; }

# check_csv NAME: each file starts with the one header and ends with '\n';
# every row has 8 fields, windows strictly increase (no window twice).
# Prints "rows frames bytes" (sums of the deltas). Bash arithmetic: 64 bits.
check_csv() {
	local f n=0 fr=0 by=0 prev=0 end
	for f in $(csv_files "$1"); do
		[[ -s "$f" ]] || continue
		[[ "$(head -n1 "$f")" == time_utc,end_ns,instance,instance_id,frames,bytes,total_frames,total_bytes ]] ||
			{ echo "$f: no header" >&2; return 1; }
		[[ "$(grep -c '^time_utc,' "$f")" == 1 ]] ||
			{ echo "$f: header twice" >&2; return 1; }
		[[ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" == '\n' ]] ||
			{ echo "$f: torn last line" >&2; return 1; }
		while IFS=, read -r _ end _ _ f5 f6 _ _ rest; do
			[[ "$end" == end_ns ]] && continue
			[[ -z "$rest" && "$end$f5$f6" =~ ^[0-9]+$ ]] ||
				{ echo "$f: bad row $end" >&2; return 1; }
			(( end > prev )) ||
				{ echo "$f: window $end after $prev" >&2; return 1; }
			prev=$end n=$((n + 1)) fr=$((fr + f5)) by=$((by + f6))
		done <"$f"
	done
	echo "$n $fr $by"
}

sums() { check_csv "$1" | cut -d' ' -f2-; }

@test "collector: CSV deltas add up to the traffic and the instance totals" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 4096 --name col
	collector_start col
	send4 500 100
	send4 300 1200
	sleep 0.2
	collector_stop
	assert_eq "$(sums col)" "800 $((500 * 128 + 300 * 1228))"
	assert_eq "$(stat_of col frames) $(stat_of col bytes)" "$(sums col)" stats
	assert_eq "$(tail -n1 "$D/out/col.csv" | cut -d, -f7,8)" "800,$((500 * 128 + 300 * 1228))"
}

@test "collector: logrotate -f repeatedly under load, every window once" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 1ms --samples 4096 --name col
	collector_start col
	cat >"$D/lr.conf" <<-CONF
	$D/out/*.csv {
		rotate 1000
		create 0640 root root
		missingok
		postrotate
			kill -HUP $CPID
		endscript
	}
	CONF
	in_tx udpsend -c 3000 -s 200 -i 1000 "$V4_RX" 5000 &
	sender=$!
	rotations=0
	while kill -0 "$sender" 2>/dev/null; do
		logrotate -s "$D/lr.state" -f "$D/lr.conf"
		rotations=$((rotations + 1))
		sleep 0.3
	done
	wait "$sender"
	sleep 0.1
	collector_stop
	[ "$rotations" -ge 3 ] || { echo "only $rotations rotations"; return 1; }
	[ "$(csv_files col | wc -l)" -ge 3 ]
	assert_eq "$(sums col)" "3000 $((3000 * 228))"
	assert_eq "$(stat_of col frames)" 3000
}

@test "collector: kill -9 and restart mid traffic: totals exact, no torn row" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 1ms --samples 4096 --name col
	collector_start col
	in_tx udpsend -c 3000 -s 100 -i 1000 "$V4_RX" 5000 &
	sender=$!
	for _ in 1 2 3; do
		sleep 0.5
		kill -9 "$CPID"
		wait "$CPID" || true
		CPID=""
		sleep 0.1
		collector_start col
	done
	wait "$sender"
	sleep 0.1
	collector_stop
	assert_eq "$(sums col)" "3000 $((3000 * 128))"
}

@test "collector: instance deleted and recreated: a new series, exact" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 4096 --name col
	collector_start col
	send4 100 100
	sleep 0.2
	in_rx "$IPT" -D INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 4096 --name col
	wait_gone /proc/net/xt_pktstat/col
	sleep 0.2
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 4096 --name col
	send4 50 100
	sleep 0.2
	collector_stop
	assert_eq "$(sums col)" "150 $((150 * 128))"
	assert_eq "$(tail -n1 "$D/out/col.csv" | cut -d, -f7)" 50
	[ "$(cut -d, -f4 "$D/out/col.csv" | sort -u | grep -c -v instance_id)" = 2 ]
}

@test "collector: a full disk, then space freed: recovers, totals exact" {
	mount -t tmpfs -o size=256k tmpfs "$D/out"
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 4096 --name col
	collector_start col
	send4 100 100
	sleep 0.2
	dd if=/dev/zero of="$D/out/filler" bs=4k 2>/dev/null || true
	in_tx udpsend -c 1000 -s 100 -i 1000 "$V4_RX" 5000
	sleep 0.5
	grep -q "col.csv: write: No space left on device" "$D/collector.log" ||
		grep -q "col.csv: open: No space left on device" "$D/collector.log"
	kill -0 "$CPID"
	rm "$D/out/filler"
	sleep 0.5
	collector_stop
	grep -q "recovered" "$D/collector.log"
	assert_eq "$(sums col)" "1100 $((1100 * 128))"
}
