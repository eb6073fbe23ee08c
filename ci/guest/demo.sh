#!/usr/bin/env bash
# `make demo`, inside the VM (started by /init, fd 3 = results channel):
# one rule with 1 ms windows, known UDP traffic between two namespaces,
# the windows read back from /proc and printed with their rates.
set -euo pipefail

PERIOD_MS=1
COUNT=2000
PAYLOAD=200
INTERVAL_US=1000
PROC=/proc/net/xt_pktstat/demo

exec 1>&3 2>&3
echo "=== BEGIN demo ==="
in_a() { ip netns exec demo-a "$@"; }
in_b() { ip netns exec demo-b "$@"; }

ip netns add demo-a
ip netns add demo-b
ip link add va netns demo-a type veth peer name vb netns demo-b
in_a ip addr add 10.77.0.1/24 dev va
in_b ip addr add 10.77.0.2/24 dev vb
in_a ip link set va up
in_b ip link set vb up
in_a ping -c1 -W2 10.77.0.2 >/dev/null

rule=(-A INPUT -p udp --dport 5000 -m pktstat --period "${PERIOD_MS}ms" --samples 4096 --name demo)
echo "kernel $(uname -r), $(nproc) vCPUs (qemu TCG)"
echo "# iptables ${rule[*]}"
in_b iptables "${rule[@]}"
echo "# iptables -S INPUT"
in_b iptables -S INPUT | sed 's/^/  /'
echo
echo "sending $COUNT UDP datagrams of $PAYLOAD bytes payload, one every ${INTERVAL_US} us" \
	"($((20 + 8 + PAYLOAD)) bytes each at the IPv4 hook)"

# Drain /proc while the sender runs, as a collector would.
data=$(mktemp)
in_a udpsend -c "$COUNT" -s "$PAYLOAD" -i "$INTERVAL_US" 10.77.0.2 5000 &
sender=$!
reads=0
while kill -0 "$sender" 2>/dev/null; do
	sleep 0.5
	in_b cat "$PROC/data" >>"$data"
	reads=$((reads + 1))
done
wait "$sender"
sleep 0.05   # the last window closes; it is readable without more traffic
in_b cat "$PROC/data" >>"$data"
reads=$((reads + 1))

echo "read $PROC/data $reads times: $(wc -l <"$data") windows with traffic"
echo
awk -v period_ns=$((PERIOD_MS * 1000000)) -v bucket_ms=250 '
	function row(label, n, f, b, secs) {
		printf "%-30s %8d %10d %11d %10.0f %10.3f\n", label, n, f, b, f / secs, b * 8 / secs / 1e6
	}
	NR == 1 { t0 = $1 - period_ns }
	{
		df = $2 - pf; db = $3 - pb; pf = $2; pb = $3
		ms = ($1 - t0) / 1e6
		if (NR <= 8) first[NR] = sprintf("%-30s %8d %10d %11d %10.0f %10.3f",
			sprintf("%s (+%d ms)", $1, ms - 1), 1, df, db, df / (period_ns / 1e9),
			db * 8 / (period_ns / 1e9) / 1e6)
		k = int((ms - 0.000001) / bucket_ms)
		if (k > maxk) maxk = k
		bf[k] += df; bb[k] += db; bn[k]++
		n++; last = $1
	}
	END {
		if (n == 0) { print "no windows read"; exit 1 }
		hdr = sprintf("%-30s %8s %10s %11s %10s %10s", "", "windows", "frames", "bytes", "pps", "Mbit/s")
		print "first windows: end (CLOCK_REALTIME ns), rates over the 1 ms window"
		print "(under qemu TCG the sender cannot keep a steady 1 per ms: bursts and gaps are real)"
		print hdr
		for (i = 1; i <= 8 && i <= n; i++) print first[i]
		print ""
		print "per " bucket_ms " ms (windows merged; idle windows have no line):"
		print hdr
		for (k = 0; k <= maxk; k++)
			row(sprintf("%5d-%5d ms", k * bucket_ms, (k + 1) * bucket_ms), bn[k], bf[k], bb[k], bucket_ms / 1000)
		print ""
		secs = (last - t0) / 1e9
		row(sprintf("total over %.3f s", secs), n, pf, pb, secs)
	}' "$data"
echo
echo "# cat $PROC/stats"
in_b cat "$PROC/stats" | sed 's/^/  /'
sent_bytes=$((COUNT * (20 + 8 + PAYLOAD)))
last_line=$(tail -n1 "$data")
read -r _ frames bytes <<<"$last_line"
if [[ $frames == "$COUNT" && $bytes == "$sent_bytes" ]]; then
	echo "exact: $frames frames, $bytes bytes counted = sent"
else
	echo "MISMATCH: counted $frames frames, $bytes bytes; sent $COUNT, $sent_bytes"
fi
echo "=== END demo rc=0 ==="
echo "=== PKTSTAT-CI DONE ==="
