#!/usr/bin/env bash
# The views fed by the real pktstat-collect, on a fake /proc tree with
# known windows: pktstat-top in tmux shows their exact figures; Debian's
# prometheus-node-exporter, started here on 127.0.0.1, serves the
# collector's textfile with the exact counts and parses it without error;
# promtool check metrics passes it; pktstat-plot draws the collector's CSV
# with every frame. Prints TAP.
# Usage: collector-views.sh PKTSTAT_COLLECT PKTSTAT_TOP PKTSTAT_PLOT
# shellcheck disable=SC2034,SC2154 # TAP_ON_FAIL is read by tap.bash; $t, $sock set by tmux.bash
set -uo pipefail
collect=$(realpath "$1")
top=$(realpath "$2")
plot=$(realpath "$3")
# shellcheck source-path=SCRIPTDIR source=tmux.bash disable=SC1091
. "$(dirname "$0")/tmux.bash"
# Show the screen on a failure only while top is on it.
TAP_ON_FAIL=
need tmux prometheus-node-exporter promtool python3

# wait_for CMD...: poll up to 15 s
wait_for() {
	local i
	for ((i = 0; i < 150; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Instance web, 250 us windows. Every second from 3 s ago to 30 s ahead
# has the same three windows, ending 250, 500 and 750 us into it, of 5,
# 300 and 10 frames of 128 bytes: 315 frames a second, the peak window
# 300 frames. The collector reads future windows as any others, so any
# second pktstat-top picks has these figures.
P=250000
now=$(date +%s%N)
s0=$((now / 1000000000 - 3))
mkdir -p "$t/proc/web" "$t/out" "$t/state" "$t/run" "$t/prom"
f=0
for ((s = s0; s < s0 + 34; s++)); do
	for w in "1 5" "2 300" "3 10"; do
		read -r k fr <<<"$w"
		f=$((f + fr))
		echo "$((s * 1000000000 + k * P)) $f $((f * 128))"
	done
done >"$t/proc/web/data"
frames=$f bytes=$((f * 128))
printf 'name: web\nid: 1764259100000000001\nperiod_ns: %s\nsamples: 4096\ncpus: 2\nqueued: 0\noverflows: 0\nframes: %s\nbytes: %s\nrules: 1\ncreated_ns: %s\nclock_steps: 0\n' \
	"$P" "$frames" "$bytes" $((s0 * 1000000000 - 10000000000)) >"$t/proc/web/stats"

"$collect" --daemon --interval 100ms -p "$t/proc" -o "$t/out" -s "$t/state" -r "$t/run" \
	--prometheus-dir "$t/prom" --prometheus-interval 1h 2>"$t/collect.err" &
cpid=$!
wait_for test -s "$t/run/web.live"; ok $? "the collector writes the live view" ||
	sed 's/^/#   /' "$t/collect.err"
wait_for test -s "$t/prom/xt_pktstat.prom"; ok $? "and the Prometheus textfile"

# --- pktstat-top on the real live view
TAP_ON_FAIL=show_screen
SCREEN_LINES=12 screen_start "LSAN_OPTIONS='${LSAN_OPTIONS:-}' $top -r $t/run -p $t/proc 2>$t/top.err; sleep 30"
see "collector pid $cpid, live view"; ok $? "top: reads the collector's live view (pid $cpid)"
# 315 frames, 40320 bytes = 322560 bit/s; peak 300 frames in 250 us =
# 1.2M/s, 300 x 128 x 8 bits / 250 us = 1.2288 Gbit/s, ending .000500.
see "^web +250us +315 +322\.6k +300 +1\.200M +1\.229G +0 +0 +[0-9:]{8}\.000500 +$frames +$bytes\$"
ok $? "top: web at 315 pkt/s, 322.6 kbit/s, peak 300 = 1.2M pkt/s, 1.229 Gbit/s, totals $frames, $bytes"
TAP_ON_FAIL=

# --- node_exporter serves the textfile
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$t/prom" >"$t/node.log" 2>&1 &
scrape() {
	python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
		"http://127.0.0.1:$port/metrics" >"$t/metrics"
}
wait_for scrape; ok $? "node_exporter answers on 127.0.0.1:$port" || sed 's/^/#   /' "$t/node.log"
metric() { grep -E "^$1 " "$t/metrics" | awk '{ print $2 }'; }
# value_is METRIC WANT: node_exporter prints Go floats (1.37088e+06):
# compared as numbers, exact below 2^53.
value_is() {
	local got
	got=$(metric "$1")
	awk -v a="$got" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }'
	ok $? "node_exporter: ${1%%\\\{*} $2" || echo "#   got '$got'"
}
lab='\{name="web",period="0\.00025"\}'
value_is "xt_pktstat_frames_total$lab" "$frames"
value_is "xt_pktstat_bytes_total$lab" "$bytes"
value_is "xt_pktstat_overflows_total$lab" 0
value_is "xt_pktstat_clock_steps_total$lab" 0
value_is "xt_pktstat_queued_windows$lab" 0
value_is "xt_pktstat_period_seconds$lab" 0.00025
value_is "xt_pktstat_peak_window_frames$lab" 300
value_is "xt_pktstat_peak_window_bytes$lab" 38400
grep -Eq '^xt_pktstat_collector_last_round_timestamp_seconds [0-9.e+]+$' "$t/metrics"
ok $? "node_exporter: xt_pktstat_collector_last_round_timestamp_seconds"
grep -q '^# TYPE xt_pktstat_frames_total counter$' "$t/metrics"
ok $? "node_exporter: frames_total typed counter"
is "$(metric node_textfile_scrape_error)" 0 "node_exporter parsed the textfile without error"
promtool check metrics <"$t/prom/xt_pktstat.prom" >"$t/promtool" 2>&1
ok $? "promtool check metrics: no problem" || sed 's/^/#   /' "$t/promtool"
grep -E '^(# (HELP|TYPE) )?xt_pktstat_' "$t/metrics" | promtool check metrics >"$t/promtool" 2>&1
ok $? "promtool check metrics on what node_exporter serves" || sed 's/^/#   /' "$t/promtool"

# --- the collector stops: top says so, from /proc
kill -TERM "$cpid"
wait "$cpid"
ok $? "collector: SIGTERM, exit 0"
TAP_ON_FAIL=show_screen
see "NO COLLECTOR"; ok $? "top: NO COLLECTOR once it stopped"
see "^web +250us .* +$frames +$bytes\$"; ok $? "top: the /proc totals, $frames frames"
TAP_ON_FAIL=
tmux -L "$sock" kill-server 2>/dev/null
[[ ! -s $t/top.err ]]; ok $? "top: nothing on stderr" || sed 's/^/#   /' "$t/top.err"

# --- pktstat-plot on the collector's CSV
"$plot" -v -o "$t/web.png" "$t/out" 2>"$t/plot.err"
ok $? "plot: the collector's CSV" || sed 's/^/#   /' "$t/plot.err"
grep -q "series web: rows 102, frames $frames, bytes $bytes, peak 1200000 packets/s" "$t/plot.err"
ok $? "plot: 102 rows, every frame, the 300-frame windows as the peak (1.2M/s)" ||
	sed 's/^/#   /' "$t/plot.err"

tap_done
