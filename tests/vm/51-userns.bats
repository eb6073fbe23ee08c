#!/usr/bin/env bats
# An unprivileged container (unshare -Urn) reads its own instances; another
# user namespace cannot; the uid, gid and mode parameters still override.

load lib

# Unprivileged users of the guest: numeric ids need no passwd entry.
U1=1000
U2=1001

setup() {
	# The container's iptables must not depend on module autoload.
	modprobe -a xt_pktstat xt_tcpudp iptable_filter ip6table_filter nft_compat
	work=$(mktemp -d)
	chmod 755 "$work"
}

teardown() {
	[[ -n ${cpid:-} ]] && kill "$cpid" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$work"
	unload_module
}

# as_user UID CMD...: CMD as that uid and gid, no supplementary groups.
as_user() {
	local id=$1
	shift
	setpriv --reuid="$id" --regid="$id" --clear-groups -- "$@"
}

# A container of $U1: its own user and network namespace. It adds a rule,
# sends 100 datagrams, reads its data and stats, says "ready", waits for
# "go", sends 50 more and reads again, then idles until killed (exec: its
# namespaces go with $cpid, its pid, as unshare and setpriv exec too).
start_container() {
	local script='
		set -euo pipefail
		export XTABLES_LOCKFILE=$1/xtables.lock
		ip link set lo up
		"$2" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name c1
		udpsend -c 100 -s 100 127.0.0.1 5000
		sleep 0.03
		{ cat /proc/net/xt_pktstat/c1/data || echo "data: failed"; } >"$1/read1"
		{ cat /proc/net/xt_pktstat/c1/stats || echo "stats: failed"; } >>"$1/read1"
		touch "$1/ready"
		n=0
		while [ ! -e "$1/go" ] && [ $((n += 1)) -lt 1500 ]; do sleep 0.02; done
		udpsend -c 50 -s 100 127.0.0.1 5000
		sleep 0.03
		cat /proc/net/xt_pktstat/c1/data >"$1/read2"
		touch "$1/done"
		exec sleep 60'
	chmod 777 "$work"
	# A simple command, not a function: $! is the container itself. Not on
	# bats' fd 3, or bats would wait for it.
	setpriv --reuid="$U1" --regid="$U1" --clear-groups -- \
		unshare -Urn bash -c "$script" _ "$work" "$IPT" >"$work/log" 2>&1 3>&- &
	cpid=$!
	wait_file "$work/ready"
}

# wait_file PATH: up to 10 s for the container to get there.
wait_file() {
	local _
	for _ in $(seq 200); do
		[[ -e $1 ]] && return 0
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.05
	done
	echo "no $1; container said:" >&2
	cat "$work/log" >&2
	return 1
}

@test "an unprivileged container reads its own data and stats" {
	start_container
	f=/proc/$cpid/net/xt_pktstat/c1
	# Owned by the container's root, which is $U1 outside.
	assert_eq "$(stat -c '%a %u %g' "$f/data" "$f/stats" "$f")" \
		"$(printf '400 %s %s\n400 %s %s\n500 %s %s' "$U1" "$U1" "$U1" "$U1" "$U1" "$U1")"
	run awk 'NF == 3 { last = $2 " " $3 } END { print last }' "$work/read1"
	assert_eq "$output" "100 12800" "container's first read"
	grep -qx 'frames: 100' "$work/read1" || { cat "$work/read1"; return 1; }
	# Neither another user nor its own user namespace's root can open them.
	for f2 in "$f/data" "$f/stats"; do
		run as_user "$U2" cat "$f2"
		[[ $status -ne 0 && $output == *"Permission denied"* ]] || { echo "$U2: $status $output"; return 1; }
		run as_user "$U2" unshare -Ur cat "$f2"
		[[ $status -ne 0 && $output == *"Permission denied"* ]] || { echo "$U2 in a userns: $status $output"; return 1; }
	done
	touch "$work/go"
	wait_file "$work/done"
	# Nothing was drained by anyone else: the next read continues exactly.
	run awk 'NF == 3 { last = $2 " " $3 } END { print last }' "$work/read2"
	assert_eq "$output" "150 19200" "container's second read"
}

@test "uid, gid and mode parameters override the owner, in containers too" {
	unload_module
	modprobe xt_pktstat uid=4242 gid=4343 mode=0440
	start_container
	f=/proc/$cpid/net/xt_pktstat/c1
	assert_eq "$(stat -c '%a %u %g' "$f/data" "$f")" "$(printf '440 4242 4343\n550 4242 4343')"
	# The container's root is neither 4242 nor in 4343.
	grep -q 'data: failed' "$work/read1" || { cat "$work/read1"; return 1; }
	grep -q 'stats: failed' "$work/read1" || { cat "$work/read1"; return 1; }
	# Group 4343 of the initial namespace reads it.
	run setpriv --reuid="$U2" --regid="$U2" --groups=4343 -- cat "$f/stats"
	[[ $status -eq 0 && $output == *"frames: 100"* ]] || { echo "$status $output"; return 1; }
	touch "$work/go"
}

@test "mode without a read bit, or a bad uid, is refused at load time" {
	unload_module
	run modprobe xt_pktstat mode=0200
	[ "$status" -ne 0 ]
	dmesg | tail -n 5 | grep -q 'mode=0200 invalid' || { dmesg | tail -n 5; return 1; }
	run modprobe xt_pktstat uid=4294967295
	[ "$status" -ne 0 ]
	dmesg | tail -n 5 | grep -q 'uid=4294967295 invalid' || { dmesg | tail -n 5; return 1; }
	modprobe xt_pktstat uid=-1 gid=-1 mode=0444
	assert_eq "$(cat /sys/module/xt_pktstat/parameters/mode)" "0444"
}
