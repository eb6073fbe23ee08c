#!/usr/bin/env bats
# CPID is set and read within each test (one subshell): SC2030/SC2031 do not apply.
# shellcheck disable=SC2030,SC2031
# SPDX-License-Identifier: GPL-2.0
# The views on real traffic: pktstat-collect drains the module, and
# pktstat-top (in tmux, read with capture-pane as a person reads it), the
# live view's per-second sums and the Prometheus textfile show exactly what
# was sent; once the collector stops, top says so and shows the /proc
# totals, still exact.

load lib

setup() {
	# The guest console is TERM=dumb; every tmux command needs a terminal it knows.
	export TERM=screen
	net_up
	D=$BATS_TEST_TMPDIR
	CPID=
	SOCK=views-$$
}

teardown() {
	if [[ -n "$CPID" ]]; then
		kill -9 "$CPID" 2>/dev/null || true
	fi
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	net_down
	unload_module
}

# Instances are per netns: the collector and top run in the receiver's.
# `ip netns exec` execs, so $! is the collector itself, and 3>&- keeps it
# from holding bats's fd 3 (bats would wait for it).
collector_start() {
	# Like node_exporter's, the directory exists before the collector writes to it.
	mkdir -p "$D/prom"
	ip netns exec "$NS_RX" pktstat-collect --daemon --interval 20ms -o "$D/out" -s "$D/state" -r "$D/run" \
		--prometheus-dir "$D/prom" --prometheus-interval 1s 2>>"$D/collector.log" 3>&- &
	CPID=$!
	until_ok 10 test -s "$D/run/collector"
}

# see REGEX: the tmux screen has a matching line within 10 s
see() {
	local _
	for _ in $(seq 100); do
		tmux -L "$SOCK" capture-pane -p -t top >"$D/screen"
		grep -Eq -- "$1" "$D/screen" && return 0
		sleep 0.1
	done
	echo "not on the screen: $1" >&2
	cat "$D/screen" "$D/top.err" >&2
	return 1
}

prom_is() {	# prom_is METRIC VALUE: the textfile's line, exactly
	grep -qx "$1{name=\"views\",period=\"0.01\"} $2" "$D/prom/xt_pktstat.prom"
}

@test "views: top, the live view and the textfile count exactly what was sent" {
	in_rx "$IPT" -A INPUT -p udp --dport 5000 -m pktstat --period 10ms --samples 4096 --name views
	collector_start
	# The guest console is TERM=dumb; tmux needs a terminal it knows.
	# remain-on-exit: if top dies, its last words stay on the screen.
	# screen: the one terminfo entry the guest has (ci/initramfs-lists/views.list).
	printf 'set -g remain-on-exit on\nset -g default-terminal screen\n' >"$D/tmux.conf"
	TERM=screen tmux -L "$SOCK" -f "$D/tmux.conf" new-session -d -s top -x 160 -y 10 \
		"nsenter --net=/run/netns/$NS_RX pktstat-top -r $D/run 2>$D/top.err" 3>&-
	send4 500 100
	send4 300 1200
	frames=800 bytes=$((500 * 128 + 300 * 1228))
	see "collector pid $CPID, live view $D/run"
	see "^views +10ms .* +$frames +$bytes\$"
	# Every window of the traffic is in one of the live view's seconds.
	until_ok 10 prom_is xt_pktstat_frames_total "$frames" ||
		{ cat "$D/prom/xt_pktstat.prom" "$D/collector.log" "$D/screen"; return 1; }
	assert_eq "$(awk '$1 == "S" { f += $3; b += $4 } END { print f, b }' "$D/run/views.live")" \
		"$frames $bytes" "S lines of views.live"
	prom_is xt_pktstat_bytes_total "$bytes"
	prom_is xt_pktstat_overflows_total 0
	prom_is xt_pktstat_period_seconds 0.01
	# The collector stops: top falls back to the stats file, and says so.
	kill -TERM "$CPID"
	wait "$CPID"
	CPID=
	see "NO COLLECTOR \\($D/run/collector: missing\\)"
	see "^views +10ms .* +$frames +$bytes\$"
	assert_eq "$(stat_of views frames) $(stat_of views bytes)" "$frames $bytes" stats
}
