#!/usr/bin/env bash
# pktstat-top as a person sees it: run in a detached tmux of fixed size,
# read the screen with capture-pane, press keys. Against live-view files
# written as doc/OUTPUTS.md says (a fake collector rewriting them every
# 0.3 s), then with no collector, against a fake /proc tree whose data
# file must never be opened. Prints TAP.
# Usage: top.sh PKTSTAT_TOP
# shellcheck disable=SC2154 # $t and $sock are set by tmux.bash
set -uo pipefail
top=$(realpath "$1")
# shellcheck source-path=SCRIPTDIR source=tmux.bash disable=SC1091
. "$(dirname "$0")/tmux.bash"
need tmux

mkdir -p "$t/run" "$t/proc/web" "$t/proc/db"

# The live view of two instances, as pktstat-collect writes it: every
# second looks the same, so whichever second is shown, the figures are
# known. web: 250 us windows, 1235 frames and 485932 bytes a second, the
# peak window 300 frames, 120000 bytes, ending 0.75 ms before the second.
# db: 1 ms windows, 50 frames of 228 bytes, peak 20 frames.
live() {	# live NAME PERIOD FRAMES BYTES PEAKF PEAKB OVERFLOWS QUEUED NOW
	local s=$(($9 / 1000000000 * 1000000000)) k
	{
		printf 'version: 1\nname: %s\ninstance_id: 17\nperiod_ns: %s\nsamples: 4096\n' "$1" "$2"
		printf 'updated_ns: %s\ninterval_ns: 100000000\nlast_end_ns: %s\n' "$9" $((s - 750000))
		printf 'total_frames: 1240\ntotal_bytes: 488012\noverflows: %s\nqueued: %s\n' "$7" "$8"
		printf 'clock_steps: 0\nseconds: 3\n'
		for k in 2 1 0; do
			printf 'S %s %s %s %s %s %s %s 12\n' $((s - k * 1000000000)) "$3" "$4" \
				"$5" $((s - k * 1000000000 - 750000)) "$6" $((s - k * 1000000000 - 750000))
		done
		printf 'windows: 1\nW %s %s %s\n' $((s - 750000)) "$5" "$6"
	} >"$t/run/.$1.tmp"
	mv "$t/run/.$1.tmp" "$t/run/$1.live"
}
fake_collector() {
	local now
	while :; do
		now=$(date +%s%N)
		live web 250000 1235 485932 300 120000 3 7 "$now"
		live db 1000000 50 11400 20 4560 0 0 "$now"
		printf 'pid: %s\nupdated_ns: %s\n' "$BASHPID" "$now" >"$t/run/.c.tmp"
		mv "$t/run/.c.tmp" "$t/run/collector"
		sleep 0.3
	done
}
fake_collector &
fake=$!

# The /proc tree for later; data is a FIFO with a writer waiting for a
# reader: if pktstat-top ever opened it, the writer would finish.
stats() {	# stats NAME ID PERIOD FRAMES BYTES QUEUED
	printf 'name: %s\nid: %s\nperiod_ns: %s\nsamples: 1024\ncpus: 2\nqueued: %s\noverflows: 1\nframes: %s\nbytes: %s\nrules: 1\n' \
		"$1" "$2" "$3" "$6" "$4" "$5" >"$t/proc/$1/stats.tmp"
	mv "$t/proc/$1/stats.tmp" "$t/proc/$1/stats"
}
stats web 17 250000 1000 100000 2
stats db 18 1000000 10 2280 0
mkfifo "$t/proc/web/data" "$t/proc/db/data"
(echo stolen >"$t/proc/web/data") &
writer=$!

screen_start "LSAN_OPTIONS='${LSAN_OPTIONS:-}' $top -r $t/run -p $t/proc 2>$t/top.err; echo \$? >$t/top.rc; sleep 30"

# --- live view
see '^web ' ; ok $? "the screen shows web"
see "collector pid $fake, live view $t/run: rates over [0-9:]{8} to [0-9:]{8} UTC"
ok $? "the status line names the collector, its pid and the second shown"
re_web='^web +250us +1235 +3\.887M +300 +1\.200M +3\.840G +3 +7 +[0-9:]{8}\.999250 +1240 +488012$'
see "$re_web"; ok $? "web: 1235 pkt/s, 3.887 Mbit/s, peak 300 = 1.2M pkt/s, 3.84 Gbit/s at .999250, 3 overflows, 7 queued"
re_db='^db +1ms +50 +91.20k +20 +20.00k +36.48M +0 +0 '
see "$re_db"; ok $? "db: 50 pkt/s, 91200 bit/s, peak 20 = 20000 pkt/s, 36.48 Mbit/s"
see '^NAME +PERIOD +PKT/S +BIT/S +PEAK +PEAK PKT/S +PEAK BIT/S +OVERFLOWS +QUEUED +PEAK END \(UTC\) +FRAMES +BYTES'
ok $? "column titles with units"
[[ $(line_of '^web ') -lt $(line_of '^db ') ]]; ok $? "sorted by packets/s: web above db"
# sorted REGEX A B: the screen matches REGEX and has A's line above B's.
# Polled: a capture can catch top between its title and its rows.
sorted() {
	local a b
	grep -Eq -- "$1" "$t/screen" || return 1
	a=$(line_of "^$2 ")
	b=$(line_of "^$3 ")
	[[ -n $a && -n $b && $a -lt $b ]]
}
key n
until_screen sorted 'sort: NAME' db web; ok $? "key n: sorted by name, db above web"
key r
until_screen sorted 'sort: NAME reversed' web db; ok $? "key r: reversed"
key r o
until_screen sorted 'sort: OVERFLOWS' web db; ok $? "key o: by overflows, web (3) above db (0)"
key '<'
see 'sort: PEAK BIT/S'; ok $? "key <: the column to the left"
key p

# --- the collector stops: /proc, and it says so
kill "$fake"
wait "$fake" 2>/dev/null
rm "$t/run/collector"
see "NO COLLECTOR \($t/run/collector: missing\): totals from $t/proc/\*/stats"
ok $? "no heartbeat: says NO COLLECTOR and where the figures come from"
see '^web +250us +- +- +- +- +- +1 +2 +- +1000 +100000$'
ok $? "web from stats: totals, no rates on the first refresh, no peak"
stats web 17 250000 3000 300000 2
see '^web +250us +[0-9]+ +[0-9.]+M +- +- +- +1 +2 +- +3000 +300000$'
ok $? "stats grew by 2000 frames: a rate and the new totals"
read -r pps bps < <(grep -E '^web ' "$t/screen" | awk '{ print $3, $4 }')
# 2000 frames and 1.6 Mbit between two refreshes about 1 s apart.
awk -v p="$pps" 'BEGIN { exit !(p >= 1600 && p <= 2100) }'
ok $? "the rate is 2000 frames over the refresh interval (~1 s): $pps pkt/s, $bps bit/s"
see '^db +1ms +- +- +- +- +- +1 +0 +- +10 +2280$|^db +1ms +0 +0 +- +- +- +1 +0 +- +10 +2280$'
ok $? "db from stats too"
kill -0 "$writer" 2>/dev/null; ok $? "the data file was never opened (its writer still waits)"

# --- a stale heartbeat is no collector either
now=$(date +%s%N)
printf 'pid: 1\nupdated_ns: %s\n' $((now - 10000000000)) >"$t/run/collector"
see "NO COLLECTOR \($t/run/collector: 1[0-9] s old\)"; ok $? "a heartbeat 10 s old: NO COLLECTOR, says how old"

# --- q quits, cleanly
key q
for ((i = 0; i < 50; i++)); do
	[[ -s $t/top.rc ]] && break
	sleep 0.1
done
[[ $(cat "$t/top.rc" 2>/dev/null) == 0 ]]; ok $? "key q: exit 0"
[[ ! -s $t/top.err ]]; ok $? "nothing on stderr (sanitizers quiet)"
[[ -s $t/top.err ]] && sed 's/^/#   /' "$t/top.err" | head -n 20

# --- batch mode and options
"$top" --batch -r "$t/run" -p "$t/proc" >"$t/batch"
grep -Eq '^web +250us +- ' "$t/batch"; ok $? "--batch prints the same table"
"$top" -d 5ms >/dev/null 2>&1; [[ $? == 2 ]]; ok $? "a delay under 100ms: exit 2"
"$top" -s z >/dev/null 2>&1; [[ $? == 2 ]]; ok $? "a bad sort key: exit 2"
v=$(make -s --no-print-directory -C "$(dirname "$0")/../.." print-version 2>/dev/null)
[[ $("$top" --version) == "pktstat-top $v" ]]; ok $? "--version"

tap_done
