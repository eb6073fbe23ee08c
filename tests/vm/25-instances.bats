#!/usr/bin/env bats
# Instances: naming, sharing, restore, namespaces, removal, unload, perms.

load lib

setup() { net_up; }
teardown() {
	net_down
	ip netns del pktstat-other 2>/dev/null || true
	unload_module
}

@test "the 2011 README's usage works: unnamed rule is instance 0, period in ms" {
	in_rx "$IPT" -m pktstat --period 100 --samples 20 -A INPUT
	run in_rx "$IPT" -S INPUT
	[[ "$output" == *"-m pktstat --period 100ms --samples 20 --name 0"* ]] || { echo "$output"; return 1; }
	in_rx "$IPT" -m pktstat --period 100 --samples 20 -A INPUT
	run in_rx "$IPT" -S INPUT
	[[ "$output" == *"--name 1"* ]] || { echo "$output"; return 1; }
	send4 3 100
	sleep 0.15
	run in_rx cat /proc/net/xt_pktstat/0/data
	[ "$status" -eq 0 ]
	read -r _ frames bytes <<<"${lines[-1]}"
	assert_eq "$frames $bytes" "3 384"
}

@test "two rules with one name share one instance; a conflicting period is refused" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name shared
	in_rx "$IPT" -A INPUT -p udp --dport 5001 -m pktstat --period 10ms --samples 64 --name shared
	assert_eq "$(stat_of shared rules)" 2
	send4 5 100 5000
	send4 7 100 5001
	sleep 0.05
	read_data shared >/dev/null
	assert_eq "$(last_total shared)" "12 1536"
	run in_rx "$IPT" -A INPUT -p udp --dport 5002 -m pktstat --period 20ms --samples 64 --name shared
	[ "$status" -ne 0 ]
	dmesg | tail -n 5 | grep -q "instance shared exists with period 10000000 ns and 64 samples"
	assert_eq "$(stat_of shared rules)" 2
	in_rx "$IPT" -D INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name shared
	[ -d /proc/net/xt_pktstat/shared ] || in_rx test -d /proc/net/xt_pktstat/shared
	in_rx "$IPT" -D INPUT -p udp --dport 5001 -m pktstat --period 10ms --samples 64 --name shared
	wait_gone /proc/net/xt_pktstat/shared
}

@test "iptables-restore keeps the instance, its counters and open readers" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name keep
	send4 10 100
	id=$(stat_of keep id)
	in_rx "$IPT_SAVE" >"$BATS_TEST_TMPDIR/saved"
	grep -q -- '--name keep' "$BATS_TEST_TMPDIR/saved"
	# One process holds the data file open across the restore, then reads.
	run in_rx bash -c '
		exec 3</proc/net/xt_pktstat/keep/data
		"$1" <"$2" || exit 10
		nsenter --net="/run/netns/$3" -- udpsend -c 5 -s 100 -i 20 "$4" 5000 || exit 11
		sleep 0.05
		cat <&3' _ "$IPT_RESTORE" "$BATS_TEST_TMPDIR/saved" "$NS_TX" "$V4_RX"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	read -r _ frames bytes <<<"${lines[-1]}"
	assert_eq "$frames $bytes" "15 1920"
	assert_eq "$(stat_of keep id)" "$id" "same instance"
	assert_eq "$(stat_of keep rules)" 1
	in_rx "$IPT_SAVE" | grep -q -- '-m pktstat --period 10ms --samples 64 --name keep'
}

@test "instances of one name in two namespaces are separate" {
	ip netns add pktstat-other
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name iso
	nsenter --net=/run/netns/pktstat-other -- "$IPT" -A INPUT -m pktstat --period 20ms --samples 8 --name iso
	send4 6 100
	sleep 0.05
	read_data iso >/dev/null
	assert_eq "$(last_total iso)" "6 768"
	run nsenter --net=/run/netns/pktstat-other -- cat /proc/net/xt_pktstat/iso/data
	assert_eq "$output" ""
	run nsenter --net=/run/netns/pktstat-other -- cat /proc/net/xt_pktstat/iso/stats
	[[ "$output" == *"period_ns: 20000000"* && "$output" == *"frames: 0"* ]] || { echo "$output"; return 1; }
	run test -e /proc/net/xt_pktstat/iso
	[ "$status" -ne 0 ]
}

@test "deleting the rule removes the directory; an open reader gets an error, no crash" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name gone
	send4 2 100
	run in_rx bash -c '
		exec 3</proc/net/xt_pktstat/gone/data
		"$1" -D INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name gone
		for _ in $(seq 50); do
			test -e /proc/net/xt_pktstat/gone || break
			sleep 0.1
		done
		test -e /proc/net/xt_pktstat/gone && exit 10
		cat <&3 && exit 11
		exit 0' _ "$IPT"
	[ "$status" -eq 0 ] || { echo "status $status: $output"; return 1; }
}

@test "the module unloads after the last rule, even with a reader still open" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name last
	grep -q '^xt_pktstat ' /proc/modules
	run in_rx bash -c '
		exec 3</proc/net/xt_pktstat/last/data
		"$1" -F INPUT
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmmod xt_pktstat 2>/dev/null && break
			sleep 0.2
		done
		grep -q "^xt_pktstat " /proc/modules && exit 10
		cat <&3 && exit 11
		exit 0' _ "$IPT"
	[ "$status" -eq 0 ] || { echo "status $status: $output"; return 1; }
}

@test "files are root-only by default; uid, gid, mode parameters change that" {
	in_rx "$IPT" -A INPUT -m pktstat --period 10ms --samples 4 --name perm
	assert_eq "$(in_rx stat -c '%a %u %g' /proc/net/xt_pktstat/perm/data)" "400 0 0"
	assert_eq "$(in_rx stat -c '%a' /proc/net/xt_pktstat/perm)" "500"
	in_rx "$IPT" -F INPUT
	wait_gone /proc/net/xt_pktstat/perm
	unload_module
	modprobe xt_pktstat uid=4242 gid=4343 mode=0440
	in_rx "$IPT" -A INPUT -m pktstat --period 10ms --samples 4 --name perm
	assert_eq "$(in_rx stat -c '%a %u %g' /proc/net/xt_pktstat/perm/data)" "440 4242 4343"
	assert_eq "$(in_rx stat -c '%a %u %g' /proc/net/xt_pktstat/perm/stats)" "440 4242 4343"
	assert_eq "$(in_rx stat -c '%a' /proc/net/xt_pktstat/perm)" "550"
}

@test "the stats file says what a user needs to trust the numbers" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 250us --samples 4096 --name web
	send4 3 100
	run in_rx cat /proc/net/xt_pktstat/web/stats
	for key in "name: web" "period_ns: 250000" "samples: 4096" "cpus: $NCPU" \
		"overflows: 0" "frames: 3" "bytes: 384" "rules: 1"; do
		[[ "$output" == *"$key"* ]] || { echo "missing '$key' in: $output"; return 1; }
	done
}
