#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# CLI tests of pktstat-collect against a fake proc tree: options, --check,
# the lock, the daemon with SIGHUP/SIGTERM and rotation, and (as root, if
# a tmpfs can be mounted) a really full disk. Prints TAP.
# Usage: cli.sh PKTSTAT_COLLECT_BINARY
set -u
bin=$1
n=0
failed=0
t=$(mktemp -d)
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
}

# Window ends after this boot, like the kernel's.
t0=$(( $(date +%s) * 1000000000 ))
period=250000

mkinst() {	# mkinst NAME ID
	mkdir -p "$t/proc/$1"
	printf 'name: %s\nid: %s\nperiod_ns: %s\nsamples: 4096\ncpus: 2\nqueued: 0\noverflows: 0\n' \
		"$1" "$2" "$period" >"$t/proc/$1/stats"
	: >"$t/proc/$1/data"
}

# lines NAME FROM TO: windows FROM..TO, one frame of 100 bytes each; the
# file is replaced atomically (a plain file does not drain: the collector
# skips windows it already wrote).
lines() {
	i=$2
	while [ "$i" -le "$3" ]; do
		echo "$((t0 + i * period)) $i $((i * 100))"
		i=$((i + 1))
	done >"$t/proc/$1/data.tmp"
	mv "$t/proc/$1/data.tmp" "$t/proc/$1/data"
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

run() { "$bin" -p "$t/proc" -o "$t/out" -s "$t/state" "$@"; }

# --- options
v=$(make -s --no-print-directory -C "$(dirname "$0")/../.." print-version 2>/dev/null)
[ "$("$bin" --version)" = "pktstat-collect $v" ]; ok $? "--version prints $v"
"$bin" --help | grep -q -- --interval; ok $? "--help"
env -u INVOCATION_ID "$bin" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "no mode: exit 2"
"$bin" --once --interval 0 >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "bad interval: exit 2"
"$bin" --once ../x >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "bad instance name: exit 2"

# --- check
mkinst web 3
run --check >"$t/check" 2>&1; ok $? "--check, auto interval: ok"
grep -q '^web .* 1.02s .* 256ms .* ok$' "$t/check"; ok $? "--check shows deadline 1.02s, interval 256ms"
run --check --interval 2s >"$t/check" 2>&1; [ $? -eq 1 ]; ok $? "--check --interval 2s: exit 1"
grep -q OVERFLOW "$t/check"; ok $? "--check says OVERFLOW"

# --- once
lines web 1 10
run --once 2>"$t/err"; ok $? "--once exit 0"
[ "$(sums "$t/out/web.csv")" = "10 10 1000" ]; ok $? "--once: 10 rows, exact"
run --once 2>"$t/err"
[ "$(sums "$t/out/web.csv")" = "10 10 1000" ]; ok $? "--once again: no duplicate"

# --- daemon, lock, rotation, SIGHUP, SIGTERM
"$bin" -p "$t/proc" -o "$t/out" -s "$t/state" --daemon --interval 50ms \
	2>"$t/daemon.err" &
pid=$!
sleep 0.3
run --once 2>"$t/err"; [ $? -eq 1 ] && grep -q "another pktstat-collect" "$t/err"
ok $? "a second collector on the same state dir is refused"
lines web 1 20
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' | cut -d, -f7)\" = 20 ]"
ok $? "daemon drains new windows"
mv "$t/out/web.csv" "$t/out/web.csv.1"
: >"$t/out/web.csv"
kill -HUP "$pid"
lines web 1 30
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' | cut -d, -f7)\" = 30 ]"
ok $? "after rotation and SIGHUP rows go to the new file"
[ "$(head -n1 "$t/out/web.csv" | cut -c1-8)" = time_utc ]; ok $? "new file has the header"
# Moved away with no new file and no SIGHUP: rows follow the moved file.
mv "$t/out/web.csv" "$t/out/web.csv.2"
lines web 1 40
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv.2' | cut -d, -f7)\" = 40 ]"
ok $? "file moved away without SIGHUP: rows still written (to it)"
kill -HUP "$pid"
lines web 1 45
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' | cut -d, -f7)\" = 45 ]"
[ "$(sums "$t/out"/web.csv*)" = "45 45 4500" ]; ok $? "rotated + current: every window once, exact"
[ "$(headers "$t/out"/web.csv*)" = "$(find "$t/out" -name "web.csv*" | wc -l)" ]
ok $? "each file has one header"
# recreated instance, vanished and back
mkinst web 4
lines web 1 5
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' | cut -d, -f4,7)\" = 4,5 ]"
ok $? "recreated instance (new id): new series"
rm -r "$t/proc/web"
sleep 0.3
mkinst web 4
lines web 1 3
wait_for sh -c "[ \"\$(tail -n1 '$t/out/web.csv' | cut -d, -f5,7)\" = 1,3 ]"
ok $? "vanished and back with the same id: new series from zero"
kill -TERM "$pid"
wait "$pid"; ok $? "SIGTERM: exit 0" || sed 's/^/# /' "$t/daemon.err"
pid=
grep -q "stopped" "$t/daemon.err"; ok $? "SIGTERM: logged stop"

# --- a really full disk
if [ "$(id -u)" = 0 ] && mkdir "$t/full" && mount -t tmpfs -o size=64k tmpfs "$t/full" 2>/dev/null; then
	rm -rf "$t/proc"
	mkinst disk 9
	"$bin" -p "$t/proc" -o "$t/full" -s "$t/state2" --daemon --interval 50ms 2>"$t/full.err" &
	pid=$!
	lines disk 1 10
	wait_for sh -c "[ \"\$(tail -n1 '$t/full/disk.csv' | cut -d, -f7)\" = 10 ]"
	dd if=/dev/zero of="$t/full/filler" bs=1k count=100 2>/dev/null
	lines disk 1 400
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
	kill -TERM "$pid"; wait "$pid"; pid=
	umount "$t/full"
else
	echo "# skipped the tmpfs disk-full test (needs root and mount)"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
