#!/usr/bin/env bats
# GRO and GSO skbs count as the packets they are on the wire: frames are
# segments, bytes the sum of the segments' network-layer lengths.
#
# The sender's veth has TSO off and GSO on: TCP builds GSO skbs (OUTPUT sees
# them), the stack cuts them into MSS-sized segments before the veth, and
# vtx's tx counters count the segments on the wire. With GRO on, vrx's NAPI
# merges them again before INPUT sees them.

load lib

# Fewer segments than veth's NAPI ring (256) holds: TCP never has more in
# flight, so the link drops nothing and OUTPUT sees just what the wire does.
BULK=300000
PORT=5001

setup() {
	net_up quiet
	in_tx ethtool -K vtx tso off gso on
}
teardown() { net_down; unload_module; }

# tx_wire GRO: "segments bytes drops" of vtx so far. veth counts a frame's
# Ethernet header in tx_bytes when it hands it to the peer's backlog (vrx
# GRO off), not when it hands it to the peer's NAPI (GRO on, TSO off here).
tx_wire() {
	in_tx awk -v gro="$1" '{ sub(/:/, " ") }
		$1 == "vtx" { print $11, $10 - (gro == "on" ? 0 : 14 * $11), $13 }' /proc/net/dev
}

# rule_skbs NS IPT CHAIN: "skbs bytes" the first rule of CHAIN matched, as
# xtables counts them (one per skb, skb->len).
rule_skbs() {
	nsenter --net="/run/netns/$1" -- "$2" -L "$3" -n -v -x |
		awk 'NR == 3 { print $1, $2 }'
}

# bulk FAMILY GRO: one transfer through pktstat rules at the receiver's
# INPUT (GRO skbs) and the sender's OUTPUT (GSO skbs); both must count what
# vtx put on the wire.
bulk() {
	local fam=$1 gro=$2 ipt=$IPT addr=$V4_RX opt=() want
	if [[ $fam == 6 ]]; then
		ipt=$IP6T addr=$V6_RX opt=(-6)
	fi
	in_rx ethtool -K vrx gro "$gro"
	in_rx "$ipt" -A INPUT -p tcp --dport "$PORT" -m pktstat --period 10ms --samples 4096 --name rx
	in_tx "$ipt" -A OUTPUT -p tcp --dport "$PORT" -m pktstat --period 10ms --samples 4096 --name tx
	read -r p0 b0 d0 < <(tx_wire "$gro")
	# Its child serves the transfer: not on bats' fd 3.
	in_rx tcpbulk recv "${opt[@]}" "$PORT" 3>&-
	in_tx tcpbulk send "${opt[@]}" -n "$BULK" "$addr" "$PORT"
	# The sender's last ACK may still be on its way through vrx's queue.
	for _ in $(seq 100); do
		read -r p1 b1 d1 < <(tx_wire "$gro")
		[[ "$(stat_of rx frames)" == "$((p1 - p0))" ]] && break
		sleep 0.05
	done
	want="$((p1 - p0)) $((b1 - b0))"
	assert_eq "$((d1 - d0))" 0 "frames vtx dropped"
	assert_eq "$(stat_of rx frames) $(stat_of rx bytes)" "$want" "INPUT stats"
	assert_eq "$(in_tx awk '$1 == "frames:" { f = $2 } $1 == "bytes:" { print f, $2 }' \
		/proc/net/xt_pktstat/tx/stats)" "$want" "OUTPUT stats"
	sleep 0.02
	read_data rx >/dev/null
	assert_eq "$(last_total rx)" "$want" "INPUT data file"
	check_lines rx 10000000 >/dev/null
	# The segments really were merged (GRO) and cut (GSO) at the hooks, or
	# the equalities above prove nothing. With GRO off INPUT sees segments.
	read -r rs rb < <(rule_skbs "$NS_RX" "$ipt" INPUT)
	read -r ts tb < <(rule_skbs "$NS_TX" "$ipt" OUTPUT)
	echo "wire $want, INPUT skbs $rs ($rb bytes), OUTPUT skbs $ts ($tb bytes)"
	if [[ $gro == on ]]; then
		(( rs < p1 - p0 )) || { echo "GRO merged nothing: $rs skbs"; return 1; }
	else
		assert_eq "$rs $rb" "$want" "INPUT skbs with GRO off"
	fi
	(( ts < p1 - p0 )) || { echo "no GSO skb at OUTPUT: $ts skbs"; return 1; }
}

@test "IPv4 GRO and GSO: frames are the segments on the wire, bytes their IP lengths" {
	bulk 4 on
}

@test "IPv6 GRO and GSO: frames are the segments on the wire, bytes their IP lengths" {
	bulk 6 on
}

@test "IPv4 with GRO off: INPUT counts its skbs, which are the segments" {
	bulk 4 off
}

@test "IPv6 with GRO off: INPUT counts its skbs, which are the segments" {
	bulk 6 off
}
