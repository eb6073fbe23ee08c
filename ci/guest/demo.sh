#!/usr/bin/env bash
# `make demo`, inside the VM (started by /init, fd 3 = results channel):
# one rule with 1 ms windows, known UDP traffic with bursts between two
# namespaces, pktstat-collect draining it into CSV beside its live view and
# Prometheus textfile. Prints the windows with their rates, what
# pktstat-top showed during the traffic and the metrics exported, then
# hands the CSV to the host (gzip, base64), which draws it.
set -euo pipefail

PERIOD_MS=1
COUNT=8000
PAYLOAD=200
INTERVAL_US=1000
BURSTS=7
BURST=50
BURST_PAYLOAD=1200
PROC=/proc/net/xt_pktstat/demo
D=/tmp/demo
RUNDIR=/run/xt-pktstat

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

# The collector is the data file's one reader; everything below reads what
# it writes. Instances belong to a network namespace: it runs in demo-b's.
# (node_exporter's package makes its textfile directory; here we do.)
mkdir -p "$D/prom"
collect=(pktstat-collect --daemon --interval 100ms -o "$D/out" -s "$D/state" -r "$RUNDIR"
	--prometheus-dir "$D/prom" --prometheus-interval 1s)
echo "# ${collect[*]}"
# ip netns exec execs: $! is the collector itself.
ip netns exec demo-b "${collect[@]}" 2>"$D/collect.log" &
collector=$!
for _ in $(seq 100); do
	[[ -s $RUNDIR/collector ]] && break
	sleep 0.1
done
echo "sending $COUNT UDP datagrams of $PAYLOAD bytes payload, one every ${INTERVAL_US} us" \
	"($((20 + 8 + PAYLOAD)) bytes each at the IPv4 hook),"
echo "and $BURSTS bursts of $BURST datagrams of $BURST_PAYLOAD bytes, back to back"
in_a udpsend -c "$COUNT" -s "$PAYLOAD" -i "$INTERVAL_US" 10.77.0.2 5000 &
sender=$!
for ((b = 1; b <= BURSTS; b++)); do
	sleep 1
	in_a udpsend -c "$BURST" -s "$BURST_PAYLOAD" -i 0 10.77.0.2 5000
	# What a person watching pktstat-top saw, mid traffic.
	if ((b == BURSTS / 2 + 1)); then
		in_b pktstat-top --batch -r "$RUNDIR" >"$D/top.txt"
	fi
done
wait "$sender"
sent=$((COUNT + BURSTS * BURST))
sent_bytes=$((COUNT * (20 + 8 + PAYLOAD) + BURSTS * BURST * (20 + 8 + BURST_PAYLOAD)))
# Every window read and in a metrics file: wait for the count to show.
for _ in $(seq 100); do
	grep -q "^xt_pktstat_frames_total{name=\"demo\",period=\"0.001\"} $sent\$" \
		"$D/prom/xt_pktstat.prom" 2>/dev/null && break
	sleep 0.1
done
kill -TERM "$collector"
wait "$collector" || echo "pktstat-collect exited $?: $(cat "$D/collect.log")"
csv=$D/out/demo.csv
echo "pktstat-collect wrote $(($(wc -l <"$csv") - 1)) rows (windows with traffic) to $csv"
echo

# The kernel's cumulative totals of each row, as the data file has them.
awk -F, 'NR > 1 { print $2, $7, $8 }' "$csv" >"$D/data"
awk -v period_ns=$((PERIOD_MS * 1000000)) -v bucket_ms=1000 '
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
		if (df > peak) { peak = df; peak_at = ms - 1 }
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
		printf "busiest window: %d frames at +%d ms = %d packets/s, which the per-%d ms\n", peak, peak_at,
			peak / (period_ns / 1e9), bucket_ms
		print "rows above average away"
	}' "$D/data"
echo
echo "# cat $PROC/stats"
in_b cat "$PROC/stats" | sed 's/^/  /'
read -r frames bytes < <(awk -F, 'NR > 1 { f += $5; b += $6 } END { print f + 0, b + 0 }' "$csv")
if [[ $frames == "$sent" && $bytes == "$sent_bytes" ]]; then
	echo "exact: the CSV's rows add up to $frames frames, $bytes bytes = sent"
else
	echo "MISMATCH: the CSV's rows add up to $frames frames, $bytes bytes; sent $sent, $sent_bytes"
fi
echo
echo "=== the live view: pktstat-top --batch during the traffic ($RUNDIR/demo.live) ==="
cat "$D/top.txt"
echo
echo "=== the metrics exported: $D/prom/xt_pktstat.prom (node_exporter's textfile format) ==="
cat "$D/prom/xt_pktstat.prom"
echo "=== END demo rc=0 ==="
# The CSV for the host's pktstat-plot.
echo "=== BEGIN file demo.csv.gz ==="
gzip -c "$csv" | base64
echo "=== END file ==="
echo "=== PKTSTAT-CI DONE ==="
