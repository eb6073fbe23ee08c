#!/usr/bin/env bats
# The counter fast path (src/pktstat_counter.c): packets compare the TSC with
# their window's end converted to TSC ticks while the TSC is the clocksource,
# and read the clock otherwise. A burst sent just after a window starts must
# count in that window, exactly: also when the clock's rate changed under an
# end converted at the old rate (adjtimex -t: 10 % faster; the kernel applies
# it at the next whole second, here mid-window, so an end not converted again
# would be ~20 ms late), and across clocksource switches.
# The guest boots with clocksource=tsc (ci/qemu.sh); teardown restores it.

load lib

PERIOD_US=400000
CS=/sys/devices/system/clocksource/clocksource0/current_clocksource
PARAM=/sys/module/xt_pktstat/parameters/counter

setup() {
	net_up
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 400ms --samples 64 --name ctr
	: >"$BATS_TEST_TMPDIR/want"
}

teardown() {
	adjtimex -q -t 10000 >/dev/null || true
	echo tsc >"$CS" || true
	[[ ! -e $PARAM ]] || echo 1 >"$PARAM"
	net_down
	unload_module
}

now_us() { echo "${EPOCHREALTIME/./}"; }

# burst N [CYCLE_US AT_US]: when a window is 5 ms old (or at that phase of
# CLOCK_REALTIME), send N datagrams (udpsend waits, so no exec delays them)
# and note the window's end and N. The whole burst must be sent in that
# window, after its first 5 ms.
burst() {
	local n=$1 out start end w
	out=$(in_tx udpsend -c "$n" -s 100 -i 20 \
		-P "${2:-$PERIOD_US},${3:-5000}" "$V4_RX" 5000)
	start=${out#start } start=${start%%$'\n'*}
	end=${out##*end }
	w=$(( start / PERIOD_US ))
	if (( end / PERIOD_US != w || start % PERIOD_US < 5000 )); then
		echo "burst of $n from $start to $end us left its window" >&2
		return 1
	fi
	echo "$(( (w + 1) * PERIOD_US * 1000 )) $n" >>"$BATS_TEST_TMPDIR/want"
}

# rate_change TICK_US: adjtimex -t, which the kernel applies at the next
# whole second; then a burst at 0.805 s of an even second converts its
# window's end [0.8 s, 1.2 s) at the old rate, and at 1.0 s the rate
# changes under it; the next burst (1.205 s) must count in the next window.
rate_change() {
	local n1=$2 n2=$3
	adjtimex -q -t "$1" >/dev/null
	if (( $(now_us) % 2000000 >= 800000 )); then
		echo "adjtimex -t $1 ran into the window it is for" >&2
		return 1
	fi
	burst "$n1" 2000000 805000
	burst "$n2"
}

# Every window holds exactly its bursts: the lines are the bursts' windows
# with their running totals, and nothing else.
windows_exact() {
	local want got
	sleep 0.45
	read_data ctr >/dev/null
	want=$(awk '{ f += $2; print $1, f, f * 128 }' "$BATS_TEST_TMPDIR/want")
	got=$(all_lines ctr)
	assert_eq "$got" "$want" "lines against bursts"
}

@test "the TSC clocksource: stats say counter tsc, bursts count in their windows" {
	assert_eq "$(cat "$CS")" tsc clocksource
	assert_eq "$(stat_of ctr counter)" tsc
	burst 3
	burst 5
	burst 7
	windows_exact
}

@test "the clock runs 10 % fast, then 10 % slow, under converted ends: exact windows" {
	burst 2 2000000 200000
	rate_change 11000 3 5
	burst 2 2000000 200000
	rate_change 9000 7 11
	burst 2 2000000 200000
	rate_change 10000 13 17
	windows_exact
}

@test "clocksource switches under traffic: counter none on hpet, tsc again after, exact windows" {
	burst 3
	echo hpet >"$CS"
	assert_eq "$(cat "$CS")" hpet clocksource
	assert_eq "$(stat_of ctr counter)" none
	burst 5
	burst 7
	echo tsc >"$CS"
	assert_eq "$(stat_of ctr counter)" tsc
	burst 11
	windows_exact
}

counter_is() { [[ $(stat_of ctr counter) == "$1" ]]; }

@test "counter=0 at run time: every packet reads the clock within a tick, 1 again: tsc, exact windows" {
	burst 3
	echo 0 >"$PARAM"
	until_ok 2 counter_is none
	burst 5
	echo 1 >"$PARAM"
	until_ok 2 counter_is tsc
	burst 7
	windows_exact
}
