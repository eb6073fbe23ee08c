#!/usr/bin/env bats
# The kernel trusts nothing userspace sends: a raw extension (tests/tools/
# libxt_pktstat_raw.c, in $RAW_XTLIB) passes values the real one refuses.
# Each is -EINVAL with one rate-limited message, and leaves nothing behind.

load lib

setup() { net_up; }
teardown() { net_down; unload_module; }

raw_rule() {
	in_rx env XTABLES_LIBDIR="$RAW_XTLIB:$XTABLES_LIBDIR" \
		"$IPT" -A INPUT -m pktstat "$@"
}

# refused "expected kernel message" raw options...
refused() {
	local want=$1 before
	shift
	before=$(dmesg | wc -l)
	run raw_rule "$@"
	[ "$status" -ne 0 ] || { echo "accepted: $*"; return 1; }
	run bash -c "dmesg | tail -n +$((before + 1)) | grep -F 'xt_pktstat: '"
	assert_eq "${#lines[@]}" 1 "kernel messages for $*: $output"
	[[ "${lines[0]}" == *"$want"* ]] || { echo "message: ${lines[0]}, want: $want"; return 1; }
	run in_rx ls /proc/net/xt_pktstat
	assert_eq "$output" "" "instances left behind"
	run in_rx "$IPT" -S INPUT
	assert_eq "$output" "-P INPUT ACCEPT" "rules left behind"
}

@test "raw extension control: limits themselves are accepted" {
	raw_rule --period-ns 1000 --samples 2 --name-raw lo
	raw_rule --period-ns 3600000000000 --samples 65536 --name-raw hi
	assert_eq "$(stat_of lo period_ns) $(stat_of lo samples)" "1000 2"
	assert_eq "$(stat_of hi period_ns) $(stat_of hi samples)" "3600000000000 65536"
}

@test "period 0, below 1 us, above 1 h, u64 max: refused" {
	local range="out of range: allowed 1000 to 3600000000000 ns"
	refused "period 0 ns $range" --period-ns 0
	refused "period 999 ns $range" --period-ns 999
	refused "period 3600000000001 ns $range" --period-ns 3600000000001
	refused "period 18446744073709551615 ns $range" --period-ns 18446744073709551615
}

@test "samples 0, 1, 65537, u32 max: refused" {
	refused "samples 0 out of range: allowed 2 to 65536" --samples 0
	refused "samples 1 out of range: allowed 2 to 65536" --samples 1
	refused "samples 65537 out of range: allowed 2 to 65536" --samples 65537
	refused "samples 4294967295 out of range: allowed 2 to 65536" --samples 4294967295
}

@test "unknown flags: refused" {
	refused "flags 0x1 unknown: must be 0" --flags 1
}

@test "bad names: empty, '/', leading '.', no NUL in 32 bytes: refused" {
	refused 'name is empty' --name-raw ''
	refused 'name has a character outside [A-Za-z0-9_.-]: "a/b"' --name-raw a/b
	refused "name starts with '.'" --name-raw .hidden
	refused 'name is not NUL-terminated' --name-raw "$(printf 'a%.0s' {1..32})"
	refused 'name has a character outside' --name-raw 'a b'
}

@test "a flood of bad rules is rate-limited in the kernel log" {
	local before n i
	# One nft batch delivers 30 rules to checkentry within milliseconds,
	# whatever the backend under test (the kernel path is the same); one
	# process per rule is too slow under TCG to outrun the 5 s interval.
	{
		echo '*filter'
		for i in $(seq 30); do
			echo "-A INPUT -m pktstat --samples 1 --name-raw flood$i"
		done
		echo COMMIT
	} >"$BATS_TEST_TMPDIR/flood"
	# A fresh ratelimit interval: earlier tests used this call site. Its
	# interval began at or before its last message, so it is over 5 s after
	# that one (kernel log clock): wait only for what is left of that.
	local last now
	last=$(dmesg | grep 'samples [0-9]* out of range' | tail -n 1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
	echo "pktstat-test: ratelimit check" >/dev/kmsg
	now=$(dmesg | tail -n 1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
	sleep "$(awk -v l="${last:-0}" -v n="$now" 'BEGIN { d = l + 5.1 - n; printf "%.3f", (d > 0 ? d : 0) }')"
	before=$(dmesg | wc -l)
	run in_rx env XTABLES_LIBDIR="$RAW_XTLIB:$XTABLES_LIBDIR" \
		iptables-nft-restore "$BATS_TEST_TMPDIR/flood"
	[ "$status" -ne 0 ]
	n=$(dmesg | tail -n +$((before + 1)) | grep -c 'samples 1 out of range' || true)
	# printk_ratelimited: a burst of 10 per 5 s per call site.
	assert_eq "$n" 10 "messages for 30 bad rules"
}
