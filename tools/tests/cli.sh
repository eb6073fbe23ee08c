#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# CLI tests of pktstat-collect against a fake proc tree: options and exit
# status, --check, --once, the owner check and the lock, the daemon with
# rotation, deletion, SIGHUP and SIGTERM, a failing listing, a low fd limit,
# log throttling, the live view and metrics, and (as root, if a tmpfs can be
# mounted) a really full disk. Prints TAP.
#
# The fake data file is append-only, like the kernel's queue: a collector
# holding it reads what was added; a new one reads it all again and skips
# what its cursor says was written.
# Usage: cli.sh PKTSTAT_COLLECT_BINARY
set -u
bin=$1
n=0
failed=0
t=$(mktemp -d)
chmod 755 "$t"
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	mountpoint -q "$t/full" 2>/dev/null && umount "$t/full"
	rm -rf "$t"
}
trap cleanup EXIT

ok() {	# ok COND_STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
	return "$1"
}

# Window ends after this boot, like the kernel's.
t0=$(( $(date +%s) * 1000000000 ))
period=250000

mkinst() {	# mkinst NAME ID [MORE STATS LINES]
	mkdir -p "$t/proc/$1"
	printf 'name: %s\nid: %s\nperiod_ns: %s\nsamples: 4096\ncpus: 2\nqueued: 0\noverflows: 0\n%s' \
		"$1" "$2" "$period" "${3:-}" >"$t/proc/$1/stats"
	: >"$t/proc/$1/data"
}

# lines NAME FROM TO: append windows FROM..TO, one frame of 100 bytes each
lines() {
	w=$2
	while [ "$w" -le "$3" ]; do
		echo "$((t0 + w * period)) $w $((w * 100))"
		w=$((w + 1))
	done >>"$t/proc/$1/data"
}

# sums FILES...: "rows frames bytes" over data rows, skipping headers
sums() {
	cat "$@" | awk -F, '$1 != "time_utc" { r++; f += $5; b += $6 }
		END { printf "%d %d %d\n", r, f, b }'
}

headers() { grep -c '^time_utc,' "$@" | awk -F: '{ s += $NF } END { print s }'; }

# wait_for CMD...: poll up to 10 s
wait_for() {
	i=0
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -gt 100 ] && return 1
		sleep 0.1
	done
}

run() { "$bin" -p "$t/proc" -o "$t/out" -s "$t/state" -r "$t/run" "$@"; }

daemon() {	# daemon LOG [OPTIONS]: start, set $pid
	log=$1
	shift
	rm -f "$t/run/collector"
	"$bin" -p "$t/proc" -o "$t/out" -s "$t/state" -r "$t/run" --daemon \
		--interval 50ms "$@" 2>"$log" &
	pid=$!
	wait_for grep -q "^pid: $pid$" "$t/run/collector"
}

stop() {	# stop: SIGTERM, wait, return its status
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=
	return "$rc"
}

# --- options and exit status
v=$(make -s --no-print-directory -C "$(dirname "$0")/../.." print-version 2>/dev/null)
[ "$("$bin" --version)" = "pktstat-collect $v" ]; ok $? "--version prints $v"
"$bin" --help | grep -q -- --prometheus-dir; ok $? "--help"
env -u INVOCATION_ID "$bin" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "no mode: exit 2"
"$bin" --once --interval 0 >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "bad interval: exit 2"
"$bin" --once ../x >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "bad instance name: exit 2"

# --- no module: --once is quiet (cron mails nothing), --check says so
run --once >"$t/out.txt" 2>"$t/err" && [ ! -s "$t/out.txt" ] && [ ! -s "$t/err" ]
ok $? "--once without the module: exit 0, no output at all"
if [ "$(id -u)" = 0 ] && [ ! -e /run/xt-pktstat ]; then
	mkdir -p "$t/oq" "$t/sq"
	chown 65534:65534 "$t/oq" "$t/sq"
	# As cron runs it: a user that cannot make the default run dir.
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$bin" -p "$t/proc" -o "$t/oq" -s "$t/sq" --once >"$t/out.txt" 2>"$t/err" &&
		[ ! -s "$t/out.txt" ] && [ ! -s "$t/err" ]
	ok $? "--once as cron runs it, no module, no run dir: no output at all" || sed 's/^/# /' "$t/err"
else
	echo "# skipped the cron test (needs root, and no /run/xt-pktstat here)"
fi
run --check >"$t/check" 2>&1; [ $? -eq 3 ] && grep -q "no instance" "$t/check"
ok $? "--check without the module: exit 3"
run --check --interval 100 >"$t/check" 2>&1
[ $? -eq 3 ] && grep -q "read as seconds (100s); write 100s or 100ms" "$t/check"
ok $? "a bare --interval 100 is seconds, with a warning"

# --- check
mkinst web 3 'overflows: 0
'
run --check -r '' >"$t/check" 2>&1
ok $? "--check, auto interval: exit 0"
grep -q '^web .* 1.02s .* 256ms .* ok$' "$t/check" && grep -q "interval from auto" "$t/check"
ok $? "--check shows deadline 1.02s, interval 256ms, auto" || sed "s/^/# /" "$t/check"
run --check -r '' --interval 2s >"$t/check" 2>&1; [ $? -eq 1 ]; ok $? "--check --interval 2s: exit 1"
grep -q OVERFLOW "$t/check"; ok $? "--check says OVERFLOW"
run --check -r '' web nosuch >"$t/check" 2>&1
[ $? -eq 3 ] && grep -q "^nosuch .*no such instance" "$t/check"
ok $? "--check with a mistyped name: exit 3"
printf '# options\nPKTSTAT_COLLECT_OPTS="--interval 2s web"\n' >"$t/default"
PKTSTAT_COLLECT_CONFIG=$t/default run --check -r '' >"$t/check" 2>&1
[ $? -eq 1 ] && grep -q "interval from $t/default" "$t/check"
ok $? "--check takes the interval from the default file" || sed "s/^/# /" "$t/check"
mkinst web 3 'overflows: 7
'
run --check -r '' >"$t/check" 2>"$t/err" && [ ! -s "$t/err" ]
ok $? "--check: no overflow noise"

# --- once
lines web 1 10
run --once 2>"$t/err"; ok $? "--once exit 0"
[ "$(sums "$t/out/web.csv")" = "10 10 1000" ]; ok $? "--once: 10 rows, exact"
lines web 11 12
run --once 2>"$t/err"
[ "$(sums "$t/out/web.csv")" = "12 12 1200" ]; ok $? "--once again: exact, no duplicate"
head -n1 "$t/out/web.csv" | grep -qx 'time_utc,end_ns,instance,instance_id,frames,bytes,total_frames,total_bytes,start_ns,period_ns,flags'
ok $? "CSV format 2 header"
run --once --prometheus-dir "$t" 2>"$t/err"
grep -q "^mode: once$" "$t/run/collector" && grep -q "^interval_ns: 60000000000$" "$t/run/collector"
ok $? "--once heartbeat: mode once, the timer's minute"
grep -qx 'xt_pktstat_period_seconds{name="web",period="0.00025"} 0.00025' "$t/xt_pktstat.prom"
ok $? "--once --prometheus-dir writes the metrics"

# --- the owner of the directories (issue 10 item 3)
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$t/o2" "$t/s2"
	chown 65534:65534 "$t/o2" "$t/s2"
	"$bin" -p "$t/proc" -o "$t/o2" -s "$t/s2" -r '' --once 2>"$t/err"
	[ $? -eq 4 ] && grep -q "runuser -u nobody -- pktstat-collect --once" "$t/err" &&
		grep -q "systemctl start pktstat-collect-once" "$t/err" &&
		! find "$t/o2" "$t/s2" -mindepth 1 | grep -q .
	ok $? "root, directories of another user: refused (exit 4), the way named, nothing written" ||
		sed 's/^/# /' "$t/err"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$bin" -p "$t/proc" -o "$t/o2" -s "$t/s2" -r '' --once 2>"$t/err" &&
		[ "$(sums "$t/o2/web.csv")" = "12 12 1200" ] &&
		[ "$(stat -c %u "$t/o2/web.csv")" = 65534 ]
	ok $? "as their owner: collected, files owned by it"
else
	echo "# skipped the owner tests (need root)"
fi

# --- daemon: lock, heartbeat, live view, rotation, deletion, HUP, TERM
daemon "$t/daemon.err"
run --once 2>"$t/err"; [ $? -eq 4 ] && grep -q "another pktstat-collect" "$t/err"
ok $? "a second collector on the same state dir is refused (exit 4)"
grep -q "^pid: $pid$" "$t/run/collector"; ok $? "heartbeat names the daemon"
run --check >"$t/check" 2>&1
grep -q "^web .* 50ms .* ok$" "$t/check" && grep -q "interval from the running collector" "$t/check"
ok $? "--check takes the interval of the running daemon" || sed 's/^/# /' "$t/check"
lines web 13 20
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' | cut -d, -f7)\" = 20 ]"
ok $? "daemon drains new windows"
wait_for grep -q '^total_frames: 20$' "$t/run/web.live"
ok $? "live view: total_frames 20"
mv "$t/out/web.csv" "$t/out/web.csv.1"
: >"$t/out/web.csv"
kill -HUP "$pid"
lines web 21 30
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' | cut -d, -f7)\" = 30 ]"
ok $? "after rotation and SIGHUP rows go to the new file"
[ "$(head -n1 "$t/out/web.csv" | cut -c1-8)" = time_utc ]; ok $? "new file has the header"
kill -HUP "$pid"
wait_for sh -c "[ \$(grep -c 'SIGHUP: files synced' '$t/daemon.err') = 2 ]"
grep -q "^end_ns: $((t0 + 30 * period))$" "$t/state/web.state"
ok $? "SIGHUP syncs: the state file holds the last row written"
# Moved away, no new file: rows follow the moved file, then a new one.
lines web 31 31
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' | cut -d, -f7)\" = 31 ]"
mv "$t/out/web.csv" "$t/out/web.csv-20261202"
lines web 32 32
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv-20261202' | cut -d, -f7)\" = 32 ]"
ok $? "renamed without a new file: the next row follows the renamed file"
sleep 1.2
lines web 33 40
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' 2>/dev/null | cut -d, -f7)\" = 40 ]"
ok $? "nobody made a new file: the collector did, a second later"
# Deleted (issue 10 item 6): a new file at once.
rm "$t/out/web.csv"
lines web 41 45
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' 2>/dev/null | cut -d, -f7)\" = 45 ]"
ok $? "deleted current CSV: recreated with the next rows"
[ "$(sums "$t/out/web.csv")" = "5 5 500" ]; ok $? "deleted current CSV: the new file sums to 5 frames"
# recreated instance, vanished and back
rm -r "$t/proc/web"
mkinst web 4
lines web 1 5
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' | cut -d, -f4,7)\" = 4,5 ]"
ok $? "recreated instance (new id): new series"
rm -r "$t/proc/web"
wait_for grep -q "web: instance gone" "$t/daemon.err"
ok $? "vanished: logged gone"
# The log line may come before the unlink: wait for it, as for the log.
wait_for sh -c "[ ! -e '$t/run/web.live' ]"; ok $? "vanished: its live view removed"
mkinst web 4
lines web 1 7
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' | cut -d, -f5,7)\" = 1,7 ]"
ok $? "back with the same id: the series continues" || tail -n3 "$t/out/web.csv" | sed 's/^/# /'
[ "$(grep -c "instance gone" "$t/daemon.err")" = 1 ]; ok $? "gone logged once"
stop; ok $? "SIGTERM: exit 0" || sed 's/^/# /' "$t/daemon.err"
grep -q "stopped" "$t/daemon.err"; ok $? "SIGTERM: logged stop"
[ ! -e "$t/run/collector" ] && [ ! -e "$t/run/web.live" ]
ok $? "SIGTERM: heartbeat and live view removed"

# --- a failing listing (issue 10 item 1), as a user root's mode bits stop
if [ "$(id -u)" = 0 ]; then
	rm -rf "$t/proc" "$t/o3" "$t/s3" "$t/r3"
	mkinst a 5
	mkinst b 6
	mkdir -p "$t/o3" "$t/s3" "$t/r3"
	chown 65534:65534 "$t/o3" "$t/s3" "$t/r3"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" -p "$t/proc" \
		-o "$t/o3" -s "$t/s3" -r "$t/r3" --daemon --interval 20ms 2>"$t/list.err" &
	pid=$!
	lines a 1 10
	lines b 1 5
	wait_for sh -c "[ \"\$(tail -n1 '$t/o3/a.csv' | cut -d, -f7)\" = 10 ] && [ \"\$(tail -n1 '$t/o3/b.csv' | cut -d, -f7)\" = 5 ]"
	chmod 000 "$t/proc"
	wait_for grep -q "listing failed" "$t/list.err"
	sleep 0.2
	chmod 755 "$t/proc"
	lines a 11 15
	lines b 6 7
	wait_for sh -c "[ \"\$(tail -n1 '$t/o3/a.csv' | cut -d, -f7)\" = 15 ] && [ \"\$(tail -n1 '$t/o3/b.csv' | cut -d, -f7)\" = 7 ]"
	stop
	[ "$(sums "$t/o3/a.csv")" = "15 15 1500" ] && [ "$(sums "$t/o3/b.csv")" = "7 7 700" ]
	ok $? "listing unreadable for a while: every window once (15 and 7 frames)"
	! grep -q "gone" "$t/list.err"; ok $? "listing unreadable: no instance called gone"
	[ "$(grep -c "listing failed" "$t/list.err")" = 1 ]; ok $? "listing unreadable: said once"

	# Unreadable stats (the state after apt install): said once.
	rm -rf "$t/o3"/* "$t/s3"/* "$t/r3"/*
	mkinst c 7
	chmod 000 "$t/proc/c/stats"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" -p "$t/proc" \
		-o "$t/o3" -s "$t/s3" -r "$t/r3" --daemon --interval 10ms c 2>"$t/flood.err" &
	pid=$!
	sleep 1
	stop
	[ "$(grep -c "Permission denied" "$t/flood.err")" = 1 ] &&
		grep -q "reload the module" "$t/flood.err"
	ok $? "unreadable stats over ~100 rounds: one message, with the fix"
else
	echo "# skipped the listing and throttling tests (need root to switch user)"
fi

# --- warnings up front and throttled (issue 10 item 7)
rm -rf "$t/proc" "$t/out" "$t/state" "$t/run"
mkinst tiny 11
sed -i 's/^samples: 4096$/samples: 2/' "$t/proc/tiny/stats"
daemon "$t/warn.err" tiny
k=1
while [ "$k" -le 10 ]; do
	sed -i "s/^overflows: .*/overflows: $k/" "$t/proc/tiny/stats"
	lines tiny "$k" "$k"
	sleep 0.1
	k=$((k + 1))
done
wait_for sh -c "[ \"\$(tail -n1 '$t/out/tiny.csv' | cut -d, -f7)\" = 10 ]"
stop
[ "$(grep -c "not shorter than its queue deadline 500us" "$t/warn.err")" = 1 ]
ok $? "an interval that cannot drain the queue: warned once, up front" || sed 's/^/# /' "$t/warn.err"
[ "$(grep -c "overflowed" "$t/warn.err")" = 1 ]
ok $? "overflows growing every round: warned once" || sed 's/^/# /' "$t/warn.err"
[ "$(grep -c ',merged$' "$t/out/tiny.csv")" -ge 9 ]
ok $? "rows read after an overflow are flagged merged"

# --- more instances than fds (issue 10 item 5)
rm -rf "$t/proc" "$t/out" "$t/state" "$t/run"
k=1
while [ "$k" -le 300 ]; do
	mkinst "i$k" "$k"
	lines "i$k" 1 3
	k=$((k + 1))
done
# shellcheck disable=SC3045 # dash and bash have ulimit -n
(ulimit -n 64 && run --once) 2>"$t/fd.err"; rc=$?
k=1
while [ "$k" -le 300 ]; do
	lines "i$k" 4 5
	k=$((k + 1))
done
# shellcheck disable=SC3045
(ulimit -n 64 && run --once) 2>>"$t/fd.err"; rc=$((rc + $?))
[ "$rc" -eq 0 ] && [ "$(find "$t/out" -name 'i*.csv' | wc -l)" -eq 300 ] &&
	[ "$(sums "$t/out"/i*.csv)" = "1500 1500 150000" ]
ok $? "300 instances with 64 fds: every CSV, every window once" || sed 's/^/# /' "$t/fd.err" | head

# --- a really full disk
if [ "$(id -u)" = 0 ] && mkdir "$t/full" && mount -t tmpfs -o size=64k tmpfs "$t/full" 2>/dev/null; then
	rm -rf "$t/proc"
	mkinst disk 9
	"$bin" -p "$t/proc" -o "$t/full" -s "$t/state2" -r '' --daemon --interval 50ms 2>"$t/full.err" &
	pid=$!
	lines disk 1 10
	wait_for sh -c "[ \"\$(tail -n1 '$t/full/disk.csv' | cut -d, -f7)\" = 10 ]"
	dd if=/dev/zero of="$t/full/filler" bs=1k count=100 2>/dev/null
	lines disk 11 400
	wait_for grep -q "No space left on device" "$t/full.err"
	ok $? "disk full: error logged with path and errno"
	sleep 0.3
	kill -0 "$pid"; ok $? "disk full: daemon keeps running"
	tail -c1 "$t/full/disk.csv" | od -c | grep -q '\\n'
	ok $? "disk full: no torn row"
	rm "$t/full/filler"
	wait_for sh -c "[ \"\$(tail -n1 '$t/full/disk.csv' | cut -d, -f7)\" = 400 ]"
	ok $? "space freed: daemon recovers"
	[ "$(sums "$t/full/disk.csv")" = "400 400 40000" ]; ok $? "space freed: every window once, exact"
	grep -q recovered "$t/full.err"; ok $? "recovery logged"
	[ "$(grep -c "No space left" "$t/full.err")" -le 2 ]; ok $? "disk full: not logged every round"
	stop
	umount "$t/full"
else
	echo "# skipped the tmpfs disk-full test (needs root and mount)"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
