#!/usr/bin/env bats
# A reader stuck in read() while the kernel copies its lines (a userfaultfd
# page, as a slow FUSE mapping would be): stats and iptables -D do not wait
# for it, it gets its lines once the fault is resolved, a second reader
# waits its turn, and no window is lost or read twice.

load lib

setup() { net_up; }
teardown() {
	# A reader still blocked goes on EOF.
	if [[ -n ${GO_FD:-} ]]; then
		exec {GO_FD}>&-
		wait "$READER" || true
	fi
	net_down
	unload_module
}

RULE=(INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 64 --name)

# rx_timeout SECONDS CMD...: CMD in the receiving netns, killed after SECONDS
# (a test timeout, not a benchmark). busybox timeout exits 143 then.
rx_timeout() { timeout "$1" nsenter --net="/run/netns/$NS_RX" -- "${@:2}"; }

# start_blocked NAME: a reader of NAME's data file, stopped on the page
# fault of its copy; release lets it go.
start_blocked() {
	local fifo=$BATS_TEST_TMPDIR/go
	mkfifo "$fifo"
	in_rx uffdread "/proc/net/xt_pktstat/$1/data" <"$fifo" >"$BATS_TEST_TMPDIR/uffd.out" 2>&1 &
	READER=$!
	exec {GO_FD}>"$fifo"
	until_ok 5 grep -q '^blocked$' "$BATS_TEST_TMPDIR/uffd.out" || {
		cat "$BATS_TEST_TMPDIR/uffd.out"
		return 1
	}
}

# release NAME: resolve the fault; the reader's lines join NAME's.
release() {
	echo >&"$GO_FD"
	exec {GO_FD}>&-
	GO_FD=
	wait "$READER" || { cat "$BATS_TEST_TMPDIR/uffd.out"; return 1; }
	grep -v '^blocked$' "$BATS_TEST_TMPDIR/uffd.out" >>"$BATS_TEST_TMPDIR/$1.lines"
}

# stats_answers NAME FRAMES: stats within a second, with the frames counted.
stats_answers() {
	run rx_timeout 1 cat "/proc/net/xt_pktstat/$1/stats"
	[ "$status" -eq 0 ] || { echo "stats: status $status"; return 1; }
	[[ "$output" == *$'\nframes: '"$2"$'\n'* ]] || { echo "$output"; return 1; }
}

# A closed window waits to be read: the blocked read has lines to copy.
closed() { (( $(stat_of "$1" frames) == $2 )) && sleep 0.02; }

@test "stats answers and a second reader waits while a reader is stuck; nothing lost" {
	in_rx "$IPT" -A "${RULE[@]}" r
	send4 20 100
	until_ok 5 closed r 20
	start_blocked r
	stats_answers r 20
	send4 5 100
	# One reader at a time: the second waits, takes nothing, gives up.
	run rx_timeout 0.5 cat /proc/net/xt_pktstat/r/data
	[[ ($status == 143 || $status == 124) && -z "$output" ]] ||
		{ echo "second reader: status $status: $output"; return 1; }
	release r
	assert_eq "$(last_total r)" "20 2560" "the stuck read's last line"
	until_ok 5 closed r 25
	read_data r >/dev/null
	assert_eq "$(last_total r)" "25 3200" "the next read's"
	check_lines r 10000000 >/dev/null
	sum=$(all_lines r | awk '{ d += $2 - f; f = $2 } END { print d }')
	assert_eq "$sum" 25 "sum of deltas"
}

@test "iptables -D does not wait for a stuck reader, which then gets its lines" {
	in_rx "$IPT" -A "${RULE[@]}" d
	send4 20 100
	until_ok 5 closed d 20
	start_blocked d
	stats_answers d 20
	run rx_timeout 1 "$IPT" -D "${RULE[@]}" d
	[ "$status" -eq 0 ] || { echo "iptables -D: status $status $output"; return 1; }
	release d
	assert_eq "$(last_total d)" "20 2560" "the stuck read's last line"
	wait_gone /proc/net/xt_pktstat/d
}

@test "a rule of the same name during the teardown takes the instance back" {
	in_rx "$IPT" -A "${RULE[@]}" rv
	id=$(stat_of rv id)
	send4 20 100
	until_ok 5 closed rv 20
	start_blocked rv
	run rx_timeout 1 "$IPT" -D "${RULE[@]}" rv
	[ "$status" -eq 0 ] || { echo "iptables -D: status $status $output"; return 1; }
	run rx_timeout 1 "$IPT" -A "${RULE[@]}" rv
	[ "$status" -eq 0 ] || { echo "iptables -A: status $status $output"; return 1; }
	send4 5 100
	release rv
	assert_eq "$(last_total rv)" "20 2560" "the stuck read's last line"
	until_ok 5 in_rx test -e /proc/net/xt_pktstat/rv/data
	assert_eq "$(stat_of rv id)" "$id" "same instance"
	until_ok 5 closed rv 25
	read_data rv >/dev/null
	assert_eq "$(last_total rv)" "25 3200" "totals go on"
	check_lines rv 10000000 >/dev/null
}
