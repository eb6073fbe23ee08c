#!/usr/bin/env bats
# CLOCK_REALTIME steps (date -s) while traffic flows: windows follow the new
# clock within one period, the data go back in time once at a step back,
# every frame and byte is counted once, and clock_steps counts the steps.
# The suites share one guest: teardown puts the clock back.

load lib

PERIOD=10000000		# ns
HOUR=3600000000000	# ns

# CLOCK_REALTIME in ns (bash's EPOCHREALTIME has microseconds).
real_ns() { echo "$(( ${EPOCHREALTIME/./} * 1000 ))"; }

setup() {
	net_up
	CLOCK_UP0=$(uptime_cs)
	CLOCK_REAL0=$(real_ns)
}

# Back to where the clock would be without the steps, to ~10 ms (the
# resolution of /proc/uptime): date -s takes whole seconds, so wait for the
# next one.
restore_clock() {
	local target frac
	target=$(( CLOCK_REAL0 + ($(uptime_cs) - CLOCK_UP0) * 10000000 ))
	frac=$(( target % 1000000000 ))
	sleep "0.$(printf '%09d' $(( 1000000000 - frac )))"
	date -s "@$(( target / 1000000000 + 1 ))" >/dev/null
}

teardown() {
	[[ -z ${SENDER:-} ]] || { kill -TERM "$SENDER"; wait "$SENDER" || true; }
	restore_clock
	net_down
	unload_module
}

# Datagrams every ms until stop_sending VAR, which sets VAR to how many.
start_sending() {
	nsenter --net="/run/netns/$NS_TX" -- udpsend -S -c 100000000 -s 100 -i 1000 \
		"$V4_RX" 5000 >"$BATS_TEST_TMPDIR/sent" &
	SENDER=$!
}

stop_sending() {
	kill -TERM "$SENDER"
	wait "$SENDER"
	SENDER=
	printf -v "$1" %s "$(awk '$1 == "sent" { print $2 }' "$BATS_TEST_TMPDIR/sent")"
}

frames_at_least() { (( $(stat_of clk frames) >= $1 )); }

# The last window's line has been read: its frames are all that was sent.
all_read() {
	read_data clk >/dev/null
	[[ $(last_total clk) == "$1 "* ]]
}

# mark: read, and remember how many lines there are before a step.
mark() {
	read_data clk >/dev/null
	MARK=$(all_lines clk | wc -l)
}

# new_line_is lt|gt TIME: a line read since the mark ends before (lt) or
# after (gt) TIME.
new_line_is() {
	read_data clk >/dev/null
	all_lines clk | awk -v m="$MARK" -v op="$1" -v t="$2" \
		'NR > m && ((op == "lt" && $1 < t) || (op == "gt" && $1 > t)) { f = 1 } END { exit !f }'
}

# step_clock SECONDS N: date -s by SECONDS (whole seconds, so by up to one
# more second back); keeps STEP_OLD_N (the old clock just before), STEP_NEW_N
# (the new one just after) and STEP_DUR_N (how long date took, ns).
step_clock() {
	local up0 old new
	up0=$(uptime_cs)
	old=$(real_ns)
	date -s "@$(( ${EPOCHREALTIME%.*} + $1 ))" >/dev/null
	new=$(real_ns)
	printf -v "STEP_OLD_$2" %s "$old"
	printf -v "STEP_NEW_$2" %s "$new"
	# uptime ticks in 10 ms: one more tick of slack.
	printf -v "STEP_DUR_$2" %s "$(( ($(uptime_cs) - up0 + 1) * 10000000 ))"
}

# check_step N I J: lines I (the last before step N) and J (the first after).
# The window the clock was in at the step ends at most one period after it;
# the first window of the new clock starts within one period of the step
# (plus 50 ms for a receiver descheduled under TCG).
check_step() {
	local n=$1 old new dur last first
	old=STEP_OLD_$1 new=STEP_NEW_$1 dur=STEP_DUR_$1
	last=$(all_lines clk | sed -n "$2p" | cut -d' ' -f1)
	first=$(all_lines clk | sed -n "$3p" | cut -d' ' -f1)
	(( last <= ${!old} + ${!dur} + PERIOD )) ||
		{ echo "step $n: old clock's last window ends $last, step at ${!old} + ${!dur}" >&2; return 1; }
	(( first - PERIOD <= ${!new} + PERIOD + 50000000 )) ||
		{ echo "step $n: new clock's first window starts $((first - PERIOD)), step at ${!new}" >&2; return 1; }
	(( first - PERIOD >= ${!new} - ${!dur} - PERIOD )) ||
		{ echo "step $n: first window $first before the step at ${!new}" >&2; return 1; }
}

@test "an hour back and an hour forward: windows follow within a period, counts exact" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 4096 --name clk
	send4 100 100
	until_ok 5 frames_at_least 100

	# An hour back while packets arrive every millisecond.
	start_sending
	until_ok 5 frames_at_least 110
	mark
	step_clock -3600 1
	until_ok 5 new_line_is lt $(( STEP_OLD_1 - HOUR / 2 ))
	stop_sending sent1

	# And an hour forward again.
	start_sending
	until_ok 5 frames_at_least $(( 100 + ${sent1:?} + 10 ))
	mark
	step_clock 3600 2
	until_ok 5 new_line_is gt $(( STEP_OLD_2 + HOUR / 2 ))
	stop_sending sent2

	total=$(( 100 + sent1 + ${sent2:?} ))
	until_ok 5 all_read "$total"
	assert_eq "$(last_total clk)" "$total $(( total * 128 ))" "last line"
	sum=$(all_lines clk | awk '{ d += $2 - f; f = $2 } END { print d }')
	assert_eq "$sum" "$total" "sum of deltas"
	assert_eq "$(stat_of clk clock_steps)" 2 clock_steps
	assert_eq "$(stat_of clk overflows)" 0 overflows

	# Aligned windows, totals never down, time going forward except at the
	# two steps: once back by the hour, once forward by it.
	local n=0 t f pt=0 pf=0 back=0 fwd=0 back_at=0 fwd_at=0
	while read -r t f _; do
		n=$((n + 1))
		(( t % PERIOD == 0 )) || { echo "window end $t not aligned" >&2; return 1; }
		if (( n > 1 )); then
			(( f > pf )) || { echo "line $n: frames $f after $pf" >&2; return 1; }
			if (( t < pt - HOUR / 2 )); then
				back=$((back + 1)) back_at=$n
			elif (( t > pt + HOUR / 2 )); then
				fwd=$((fwd + 1)) fwd_at=$n
			elif (( t <= pt )); then
				echo "line $n: $t after $pt" >&2
				return 1
			fi
		fi
		pt=$t pf=$f
	done < <(all_lines clk)
	assert_eq "$back $fwd" "1 1" "steps seen in the data"
	check_step 1 $((back_at - 1)) "$back_at"
	check_step 2 $((fwd_at - 1)) "$fwd_at"
}
