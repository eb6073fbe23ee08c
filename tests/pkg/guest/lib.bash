# shellcheck shell=bash
# Helpers of the guest suites (run by bats inside the booted test root).

PORT=5555

# send_udp COUNT PAYLOAD: COUNT datagrams to 127.0.0.1:PORT, each its own
# socket (bash /dev/udp), so an ICMP error never fails a later send.
send_udp() {
	local count=$1 size=$2 i payload
	payload=$(printf '%*s' "$size" '')
	for ((i = 0; i < count; i++)); do
		printf '%s' "$payload" >"/dev/udp/127.0.0.1/$PORT"
	done
}

# Last line of an instance's data file: "<ns> <frames> <bytes>".
last_window() {
	tail -n1 "/proc/net/xt_pktstat/$1/data"
}

# count_exact IPT NAME: a rule of ours counts exactly COUNT x (28 + PAYLOAD).
count_exact() {
	local ipt=$1 name=$2 count=100 size=200 line
	"$ipt" -I INPUT -i lo -p udp --dport "$PORT" -m pktstat --period 10ms --name "$name"
	send_udp "$count" "$size"
	sleep 0.2 # >= one period: the last window is closed and readable
	line=$(last_window "$name")
	echo "last window: $line"
	read -r _ frames bytes <<<"$line"
	[ "$frames" -eq "$count" ]
	[ "$bytes" -eq $((count * (20 + 8 + size))) ]
	"$ipt" -D INPUT -i lo -p udp --dport "$PORT" -m pktstat --period 10ms --name "$name"
}

# Unload the module (rules gone first) so the next step loads it afresh.
unload_module() {
	iptables-nft -F INPUT 2>/dev/null || true
	iptables-legacy -F INPUT 2>/dev/null || true
	if lsmod | grep -q '^xt_pktstat '; then
		rmmod xt_pktstat
	fi
}

# csv_frames NAME: frames in every row of instance NAME's CSV files, rotated
# ones included (column 5; header lines skipped).
csv_frames() {
	cat "/var/log/xt-pktstat/$1.csv"* 2>/dev/null |
		awk -F, '$1 != "time_utc" { n += $5 } END { print n + 0 }'
}
