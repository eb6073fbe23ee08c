#!/usr/bin/env bats
# Smoke test of the VM harness and the module's basic contract: the rule
# autoloads the module, /proc files appear, 10 known UDP datagrams are
# counted exactly, rule delete removes the instance, the module unloads.
# Env from the harness (doc/DEVELOPING.md): IPT, BACKEND, PKTSTAT_TOOLS.

NAME=smoke
PROC=/proc/net/xt_pktstat/$NAME
PAYLOAD=100
COUNT=10

in_dst() { ip netns exec pktstat-dst "$@"; }
in_src() { ip netns exec pktstat-src "$@"; }

# Wait up to ~3 s for "$@" to succeed: nft frees rules (and so instances
# and module references) from a work queue after the commit returns.
eventually() {
	for _ in $(seq 30); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

no_dir() { in_dst test ! -e "$PROC"; }
unloaded() { ! grep -q '^xt_pktstat ' /proc/modules; }

setup_file() {
	ip netns add pktstat-src
	ip netns add pktstat-dst
	ip link add vsrc netns pktstat-src type veth peer name vdst netns pktstat-dst
	in_src ip addr add 10.199.0.1/24 dev vsrc
	in_dst ip addr add 10.199.0.2/24 dev vdst
	in_src ip link set lo up
	in_dst ip link set lo up
	in_src ip link set vsrc up
	in_dst ip link set vdst up
	# Resolve ARP now so no datagram waits in the neighbour queue.
	in_src ping -c1 -W2 10.199.0.2 >/dev/null
	rmmod xt_pktstat 2>/dev/null || true
}

teardown_file() {
	in_dst "$IPT" -F INPUT 2>/dev/null || true
	ip netns delete pktstat-src 2>/dev/null || true
	ip netns delete pktstat-dst 2>/dev/null || true
}

@test "$BACKEND: the rule autoloads xt_pktstat" {
	unloaded
	in_dst "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 100ms --samples 64 --name "$NAME"
	grep -q '^xt_pktstat ' /proc/modules
	run in_dst "$IPT" -S INPUT
	echo "$output"
	[[ $output == *"-m pktstat"*"--name $NAME"* ]]
}

@test "$BACKEND: /proc/net/xt_pktstat/$NAME/{data,stats} exist" {
	in_dst test -f "$PROC/data"
	in_dst test -f "$PROC/stats"
	run in_dst cat "$PROC/stats"
	echo "$output"
	[[ $output == *"name: $NAME"* ]]
	[[ $output == *"period_ns: 100000000"* ]]
	[[ $output == *"samples: 64"* ]]
}

@test "$BACKEND: $COUNT datagrams of $PAYLOAD bytes are counted exactly" {
	in_src "$PKTSTAT_TOOLS/udpsend" -c "$COUNT" -s "$PAYLOAD" 10.199.0.2 5000
	# Let the last 100 ms window close: it is then readable without more traffic.
	sleep 0.3
	run in_dst cat "$PROC/data"
	echo "data: $output"
	[[ -n $output ]]
	local last ts frames bytes
	last=$(tail -n1 <<<"$output")
	read -r ts frames bytes <<<"$last"
	[[ $frames == "$COUNT" ]]
	[[ $bytes == $((COUNT * (20 + 8 + PAYLOAD))) ]]
	# Window ends are multiples of the period.
	((ts % 100000000 == 0))
	run in_dst cat "$PROC/stats"
	echo "$output"
	[[ $output == *"frames: $COUNT"* ]]
	[[ $output == *"bytes: $((COUNT * (20 + 8 + PAYLOAD)))"* ]]
}

@test "$BACKEND: deleting the rule removes the /proc directory" {
	in_dst "$IPT" -D INPUT -p udp --dport 5000 -m pktstat --period 100ms --samples 64 --name "$NAME"
	eventually no_dir
}

@test "$BACKEND: rmmod xt_pktstat works after the last rule" {
	eventually rmmod xt_pktstat
	unloaded
}
