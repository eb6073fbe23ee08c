# shellcheck shell=bash
# Shared by the VM suites: two network namespaces joined by a veth pair,
# known UDP traffic from one to the other, and readers of the /proc files.
# The guest runner sets IPT, IP6T, IPT_SAVE, IPT_RESTORE, IP6T_SAVE, NCPU.

NS_TX=pktstat-tx
NS_RX=pktstat-rx
V4_TX=10.77.0.1
V4_RX=10.77.0.2
V6_TX=fd77::1
V6_RX=fd77::2

# Both ends up, addresses without DAD and static neighbours: no ARP or ND
# packet can delay or drop the first datagrams of a test. One `ip -batch`
# and nsenter rather than many processes: every exec is slow under TCG.
# `net_up quiet`: nothing but the tests' own packets ever crosses the link
# (no IPv6 link-local address, so no DAD or router solicitation; NOARP, so
# no solicited-node group and no MLD report), for suites that compare with
# the interface counters.
net_up() {
	local q=
	[[ ${1:-} == quiet ]] && q="link set dev vtx arp off addrgenmode none"
	net_down
	ip netns add "$NS_TX"
	ip netns add "$NS_RX"
	ip link add vtx netns "$NS_TX" address 02:77:00:00:00:01 type veth \
		peer name vrx netns "$NS_RX" address 02:77:00:00:00:02
	ip -n "$NS_TX" -batch - <<-EOF
		${q}
		addr add $V4_TX/24 dev vtx
		addr add $V6_TX/64 dev vtx nodad
		link set lo up
		link set vtx up
		neigh replace $V4_RX lladdr 02:77:00:00:00:02 dev vtx nud permanent
		neigh replace $V6_RX lladdr 02:77:00:00:00:02 dev vtx nud permanent
	EOF
	ip -n "$NS_RX" -batch - <<-EOF
		${q//vtx/vrx}
		addr add $V4_RX/24 dev vrx
		addr add $V6_RX/64 dev vrx nodad
		link set lo up
		link set vrx up
		neigh replace $V4_TX lladdr 02:77:00:00:00:01 dev vrx nud permanent
		neigh replace $V6_TX lladdr 02:77:00:00:00:01 dev vrx nud permanent
	EOF
}

# Deleting a namespace destroys its tables, so its rules and instances too.
net_down() {
	ip netns del "$NS_TX" 2>/dev/null || true
	ip netns del "$NS_RX" 2>/dev/null || true
}

# Only the network namespace changes: /proc/net follows it.
in_rx() { nsenter --net="/run/netns/$NS_RX" -- "$@"; }
in_tx() { nsenter --net="/run/netns/$NS_TX" -- "$@"; }

# send4 COUNT PAYLOAD [PORT [udpsend options...]]: exactly COUNT datagrams.
send4() {
	local count=$1 size=$2 port=${3:-5000}
	shift 3 2>/dev/null || shift $#
	in_tx udpsend -c "$count" -s "$size" -i 20 "$@" "$V4_RX" "$port"
}

send6() {
	local count=$1 size=$2 port=${3:-5000}
	shift 3 2>/dev/null || shift $#
	in_tx udpsend -6 -c "$count" -s "$size" -i 20 "$@" "$V6_RX" "$port"
}

# A window is closed once its period has passed: wait that long.
sleep_ns() {
	sleep "$(awk -v ns="$1" 'BEGIN { printf "%.6f", ns / 1e9 }')"
}

# read_data NAME: read the data file once (draining it), keep every line in
# $BATS_TEST_TMPDIR/NAME.lines and print what this read returned.
read_data() {
	local out=$BATS_TEST_TMPDIR/$1.lines
	in_rx cat "/proc/net/xt_pktstat/$1/data" | tee -a "$out"
}

# all_lines NAME: every line read so far.
all_lines() {
	cat "$BATS_TEST_TMPDIR/$1.lines" 2>/dev/null || true
}

# stat_of NAME KEY: one value from the stats file.
stat_of() {
	in_rx awk -v k="$2:" '$1 == k { print $2 }' "/proc/net/xt_pktstat/$1/stats"
}

# last_total NAME: "frames bytes" of the last line read so far.
last_total() {
	all_lines "$1" | awk 'END { if (NR) print $2, $3; else print "0 0" }'
}

# check_lines NAME PERIOD_NS: windows aligned and strictly increasing, totals
# never going down; prints the number of lines. Bash arithmetic, not awk:
# nanosecond timestamps need all 64 bits, awk has 53.
check_lines() {
	local period=$2 n=0 t f b pt=0 pf=0 pb=0 rest
	while read -r t f b rest; do
		if [[ -n "$rest" || ! "$t$f$b" =~ ^[0-9]+$ ]]; then
			echo "bad line: $t $f $b $rest" >&2
			return 1
		fi
		if (( t % period )); then
			echo "window end $t not a multiple of $period" >&2
			return 1
		fi
		if (( n && (t <= pt || f < pf || b < pb) )); then
			echo "line $t $f $b after $pt $pf $pb" >&2
			return 1
		fi
		pt=$t pf=$f pb=$b n=$((n + 1))
	done < <(all_lines "$1")
	echo "$n"
}

# wait_gone PATH: nft frees rules after the command returns; wait up to 5 s
# for an instance's /proc entry (seen from the receiving netns) to go.
wait_gone() {
	local _
	for _ in $(seq 50); do
		in_rx test -e "$1" || return 0
		sleep 0.1
	done
	echo "$1 still exists" >&2
	return 1
}

# CLOCK_MONOTONIC in centiseconds, for deadlines no clock step can move.
uptime_cs() {
	local up
	read -r up _ </proc/uptime
	echo "${up/./}"
}

# until_ok SECONDS CMD...: wait (polling) for CMD to succeed; fail after
# SECONDS.
until_ok() {
	local secs=$1 end=$(( $(uptime_cs) + $1 * 100 ))
	shift
	until "$@"; do
		if (( $(uptime_cs) > end )); then
			echo "timed out after $secs s: $*" >&2
			return 1
		fi
		sleep 0.01
	done
}

# Fails the test with both values when they differ.
assert_eq() {
	if [[ "$1" != "$2" ]]; then
		echo "expected '$2', got '$1'${3:+ ($3)}" >&2
		return 1
	fi
}

# The module is in use only through rules; unload it after each suite.
unload_module() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q '^xt_pktstat ' /proc/modules || return 0
		rmmod xt_pktstat 2>/dev/null && return 0
		sleep 0.2
	done
	grep -q '^xt_pktstat ' /proc/modules && return 1
	return 0
}
