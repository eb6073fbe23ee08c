#!/usr/bin/env bats
# Memory has bounds: rings only for CPUs that have been online (the VM has 2
# online of 64 possible, 4 on 6.12: ci/qemu.sh), CPU hotplug under traffic,
# the admin bounds, and memory cgroup limits.

load lib

U1=1000
CPU1=/sys/devices/system/cpu/cpu1/online
PARAMS=/sys/module/xt_pktstat/parameters

setup() {
	[ "$NCPU" -eq 2 ] || { echo "needs 2 online CPUs, have $NCPU"; return 1; }
	net_up
}

teardown() {
	[[ -n ${cpid:-} ]] && kill "$cpid" 2>/dev/null
	wait 2>/dev/null || true
	echo 1 >"$CPU1"
	net_down
	rmdir /sys/fs/cgroup/pktstat-* 2>/dev/null || true
	unload_module
}

# A cgroup with the memory controller: its path.
memcg() {
	grep -qw memory /sys/fs/cgroup/cgroup.controllers ||
		{ echo "no memory controller in $(cat /sys/fs/cgroup/cgroup.controllers)" >&2; return 1; }
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "/sys/fs/cgroup/$1"
	echo "/sys/fs/cgroup/$1"
}

# CPU 1 online and usable: cpusets learn of it a moment later, until then
# pinning a task to it fails.
cpu1_up() {
	local _
	echo 1 >"$CPU1"
	for _ in $(seq 100); do
		in_tx udpsend -c 0 -s 0 -C 1 "$V4_RX" 5000 2>/dev/null && return 0
		sleep 0.05
	done
	echo "CPU 1 online but no task can run there" >&2
	return 1
}

# Kernel messages since the mark this test set.
dmesg_since_mark() { dmesg | sed -n "/pktstat-test-mark $BATS_TEST_NUMBER\$/,\$p"; }
mark_dmesg() { echo "pktstat-test-mark $BATS_TEST_NUMBER" >/dev/kmsg; }

@test "rings only for online CPUs: memory_bytes follows them, not the possible CPUs" {
	possible=$(cat /sys/devices/system/cpu/possible)
	((${possible#0-} + 1 > NCPU)) || { echo "possible CPUs $possible: no more than online"; return 1; }
	in_rx "$IPT" -A INPUT -m pktstat --period 10ms --samples 2 --name small
	in_rx "$IPT" -A INPUT -m pktstat --period 10ms --samples 127 --name big
	small=$(stat_of small memory_bytes) big=$(stat_of big memory_bytes)
	# Rings of 3 and 128 records of 32 bytes: kmalloc-96 and kmalloc-4k.
	assert_eq "$((big - small))" "$((2 * (4096 - 96)))" "two rings"
	assert_eq "$(stat_of big cpus)" 2
	# The rest is small: a ring of 4 KiB per possible CPU would be more.
	((big < small + (${possible#0-} + 1) * 4096)) || { echo "memory_bytes $big"; return 1; }

	echo 0 >"$CPU1"
	in_rx "$IPT" -A INPUT -m pktstat --period 10ms --samples 127 --name one
	assert_eq "$(stat_of one memory_bytes) $(stat_of one cpus)" "$((big - 4096)) 1" "CPU 1 offline"
	echo 1 >"$CPU1"
	assert_eq "$(stat_of one memory_bytes) $(stat_of one cpus)" "$big 2" "CPU 1 back"
	# An offline CPU keeps its ring: its queued windows stay readable.
	echo 0 >"$CPU1"
	assert_eq "$(stat_of one memory_bytes) $(stat_of one cpus)" "$big 2" "CPU 1 offline again"
}

@test "a CPU taken offline and back under traffic: its queued windows and totals are read exactly" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 1ms --samples 4096 --name hp
	# CPU 1 queues windows nobody reads yet, then goes offline with them.
	send4 100 100 5000 -i 1000 -C 1
	queued=$(stat_of hp queued)
	((queued >= 20)) || { echo "only $queued windows queued"; return 1; }
	echo 0 >"$CPU1"
	read_data hp >/dev/null
	assert_eq "$(last_total hp)" "100 12800" "after offline"
	# Each queued window is one line, and the live one after them.
	assert_eq "$(check_lines hp 1000000)" "$((queued + 1))" "lines"

	# Both CPUs send while CPU 1 goes down and comes back. Longer windows
	# for this part: fewer lines for check_lines to walk through.
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 4096 --name hp2
	cpu1_up
	in_tx udpsend -c 600 -s 100 -i 1000 -C 0 "$V4_RX" 5000 &
	a=$!
	in_tx udpsend -c 300 -s 300 -i 2000 -C 1 "$V4_RX" 5000 &
	b=$!
	(sleep 0.2 && echo 0 >"$CPU1" && sleep 0.2 && echo 1 >"$CPU1") &
	h=$!
	while kill -0 "$a" 2>/dev/null || kill -0 "$b" 2>/dev/null; do
		read_data hp2 >/dev/null
		sleep 0.05
	done
	wait "$a"
	wait "$b"
	wait "$h"
	sleep 0.02
	read_data hp2 >/dev/null
	assert_eq "$(last_total hp2)" "900 $((600 * 128 + 300 * 328))" "total"
	check_lines hp2 10000000 >/dev/null
	assert_eq "$(stat_of hp2 overflows) $(stat_of hp frames)" "0 1000"
}

@test "past max_instances or max_memory_mb a rule is refused, naming the bound; the others keep counting" {
	modprobe xt_pktstat
	mark_dmesg
	echo 2 >"$PARAMS/max_instances"
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name a
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name b
	run in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name c
	[ "$status" -ne 0 ]
	in_rx test ! -e /proc/net/xt_pktstat/c
	dmesg_since_mark | grep -qF 'instance c refused: this network namespace has 2 instances, max_instances=2 (raise it in /sys/module/xt_pktstat/parameters/max_instances)' ||
		{ dmesg_since_mark; return 1; }
	# The bound is per network namespace.
	in_tx "$IPT" -A OUTPUT -m pktstat --period 10ms --samples 64 --name t1
	in_tx "$IPT" -A OUTPUT -m pktstat --period 10ms --samples 64 --name t2

	echo 256 >"$PARAMS/max_instances"
	echo 1 >"$PARAMS/max_memory_mb"
	run in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 65536 --name big
	[ "$status" -ne 0 ]
	in_rx test ! -e /proc/net/xt_pktstat/big
	dmesg_since_mark | grep -qE 'instance big refused: it needs [0-9]+ KiB, this network namespace holds [0-9]+ KiB, max_memory_mb=1 \(raise it in /sys/module/xt_pktstat/parameters/max_memory_mb\)' ||
		{ dmesg_since_mark; return 1; }
	# A small one still fits.
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name c

	send4 30 100
	for n in a b c; do
		assert_eq "$(stat_of "$n" frames) $(stat_of "$n" bytes)" "30 3840" "$n"
	done
}

@test "a memory-limited unprivileged container asking for too much gets ENOMEM: no OOM kill, no leak" {
	cg=$(memcg pktstat-mem)
	modprobe -a xt_pktstat xt_tcpudp iptable_filter nft_compat
	work=$(mktemp -d)
	chmod 777 "$work"
	mark_dmesg
	# In the container: a small instance, then wait; then a big one (two
	# rings of 1.5 MiB), which must fail, then the small one counts on.
	local script='
		set -uo pipefail
		export XTABLES_LOCKFILE=$1/xtables.lock
		ip link set lo up
		"$2" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name small || exit 1
		udpsend -c 10 -s 100 127.0.0.1 5000
		touch "$1/ready"
		n=0
		while [ ! -e "$1/go" ] && [ $((n += 1)) -lt 1500 ]; do sleep 0.02; done
		"$2" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 65536 --name big >"$1/big" 2>&1
		echo "status $?" >>"$1/big"
		cat /sys/fs/cgroup/pktstat-mem/memory.current >"$1/after"
		udpsend -c 10 -s 100 127.0.0.1 5000
		sleep 0.03
		cat /proc/net/xt_pktstat/small/data >"$1/data"
		touch "$1/done"
		exec sleep 60'
	bash -c 'echo $$ >"$1/cgroup.procs" && exec setpriv --reuid="$2" --regid="$2" --clear-groups -- unshare -Urn bash -c "$3" _ "$4" "$5"' \
		_ "$cg" "$U1" "$script" "$work" "$IPT" >"$work/log" 2>&1 3>&- &
	cpid=$!
	for f in ready "done"; do
		for _ in $(seq 200); do
			[[ -e $work/$f ]] && break
			sleep 0.05
		done
		[[ -e $work/$f ]] || { echo "no $f:"; cat "$work/log"; return 1; }
		if [[ $f == ready ]]; then
			before=$(cat "$cg/memory.current")
			echo $((before + 3 * 1024 * 1024)) >"$cg/memory.max"
			touch "$work/go"
		fi
	done
	cat "$work/big"
	grep -q 'status [1-9]' "$work/big"
	grep -qi 'memory' "$work/big"
	# Nothing of the failed instance stays charged (a ring is 2 MiB).
	after=$(cat "$work/after")
	((after < before + 1024 * 1024)) || { echo "memory.current $before -> $after"; return 1; }
	assert_eq "$(awk 'END { print $2, $3 }' "$work/data")" "20 2560" "small instance"
	assert_eq "$(awk '$1 == "oom_kill" { print $2 }' "$cg/memory.events")" 0 "oom kills"
	if dmesg_since_mark | grep -E 'Call Trace|oom|WARNING|BUG'; then return 1; fi
	rm -rf "$work"
}

@test "a CPU that comes up without memory for its ring still comes up and counts exactly" {
	cg=$(memcg pktstat-hp)
	echo 0 >"$CPU1"
	mark_dmesg
	# The instance, with one ring, charged to the cgroup of its creator.
	bash -c 'echo $$ >"$1/cgroup.procs" && exec nsenter --net="/run/netns/$2" -- "$3" -A INPUT -p udp --dport 5000 -m pktstat --period 1ms --samples 65536 --name lean' \
		_ "$cg" "$NS_RX" "$IPT"
	assert_eq "$(stat_of lean cpus)" 1
	echo $(($(cat "$cg/memory.current") + 256 * 1024)) >"$cg/memory.max"
	# Bringing CPU 1 up allocates its ring in that cgroup: it fails.
	cpu1_up
	assert_eq "$(stat_of lean cpus)" 1 "online, without a ring"
	dmesg_since_mark | grep -qF 'instance lean: no memory for a queue of 2097184 bytes for CPU 1' ||
		{ dmesg_since_mark; return 1; }
	send4 100 100 5000 -i 2000 -C 1
	sleep 0.01
	read_data lean >/dev/null
	assert_eq "$(last_total lean)" "100 12800" "total"
	check_lines lean 1000000 >/dev/null
	(($(stat_of lean overflows) > 0)) || { echo "no overflow counted"; return 1; }
	# With memory, the next time up it gets its ring.
	echo max >"$cg/memory.max"
	echo 0 >"$CPU1"
	echo 1 >"$CPU1"
	assert_eq "$(stat_of lean cpus)" 2
}
