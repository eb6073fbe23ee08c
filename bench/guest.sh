#!/usr/bin/env bash
# make bench, inside the VM: run by ci/guest/init as /etc/pktstat-ci/main with
# fd 3 on the results channel (ttyS1) that bench/vm.sh on the host follows.
#
# Lines on fd 3 (the host parses them, one record each):
#   INFO key=value                    guest facts (clocksource, kernel, ...)
#   MARK start|end TAG                around each pktgen run: the host reads
#                                     the vCPU threads' CPU time at each mark
#   PPS TAG PPS SENT                  what pktgen reported: packets/s (guest
#                                     clock) and packets sent
#   CLOCK name ps_per_call            bench/clockbench module results
#   LAT period_ns windows med_us p99_us max_us reads med_read_us
#   MEM samples ncpus bytes_memcg bytes_percpu_meminfo bytes_memcg_percpu
#   DRAIN read queued windows elapsed_s cpu_s reads
#   DRAIN collect queued rows user_s sys_s real_s   (pktstat-collect --once)
#   ERROR text
# Settings: /etc/pktstat-bench/env (written by bench/vm.sh).
set -euo pipefail

# shellcheck source=/dev/null
. /etc/pktstat-bench/env
B=/opt/pktstat-bench
IPT_RESTORE=iptables-legacy-restore
PG=/proc/net/pktgen

out() { echo "$*" >&3; }
fail() {
	out "ERROR $*"
	echo "bench guest: $*" >&2
	exit 1
}

info() {
	out "INFO kernel=$(uname -r)"
	out "INFO ncpus=$(nproc)"
	out "INFO clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	out "INFO available_clocksource=$(tr ' ' ',' </sys/devices/system/clocksource/clocksource0/available_clocksource | sed 's/,*$//')"
	out "INFO possible_cpus=$(cat /sys/devices/system/cpu/possible)"
	out "INFO preempt=$(uname -v | grep -o -E 'PREEMPT[_A-Z]*' | head -n1)"
}

# --- modules and devices -----------------------------------------------------
setup() {
	local ko m
	modprobe iptable_raw
	modprobe dummy numdummies=0
	modprobe nfnetlink_acct
	modprobe xt_nfacct
	modprobe xt_u32
	modprobe xt_quota
	# Ours and xt_ACCOUNT are in the bench layer, in load order.
	while read -r ko; do
		m=${ko##*/}
		m=${m%%.ko*}
		grep -q "^${m//-/_} " /proc/modules || insmod "$ko" || fail "insmod $ko"
	done <"$B/modules.load"
	ip link add bench0 type dummy
	ip link set bench0 up
	MAC=$(cat /sys/class/net/bench0/address)
	PAUSE_FIFO=/tmp/bench-pause
	mkfifo "$PAUSE_FIFO"
	local i
	for ((i = 0; i < 100; i++)); do
		echo "add bench$i"
	done >/tmp/nfacct.batch
	# nfacct has no batch mode: one process per object, once per boot.
	while read -r cmd name; do
		nfacct "$cmd" "$name"
	done </tmp/nfacct.batch
}

PKTSTAT_LOADED=normal
# Load the xt_pktstat build a set needs (normal or spin); no rule may use it.
pktstat_module() {
	[[ $PKTSTAT_LOADED == "$1" ]] && return 0
	if grep -q '^xt_pktstat ' /proc/modules; then
		rmmod xt_pktstat
	fi
	if [[ $1 == spin ]]; then
		insmod "$B/spin/xt_pktstat.ko"
	else
		modprobe xt_pktstat
	fi
	PKTSTAT_LOADED=$1
}

# The rule of one kind, for rule number $2.
rule_of() {
	case $1 in
	base) echo "-A BENCH" ;;
	pktstat | spin) echo "-A BENCH -m pktstat --period 100ms --samples 64 --name p$2" ;;
	nfacct) echo "-A BENCH -m nfacct --nfacct-name bench$2" ;;
	account) echo "-A BENCH -j ACCOUNT --addr 10.99.0.0/24 --tname t$2" ;;
	u32) echo "-A BENCH -m u32 --u32 0>>28=4" ;;
	quota) echo "-A BENCH -m quota --quota 1000000000000000" ;;
	*) fail "unknown set $1" ;;
	esac
}

# 100 rules of one kind in raw PREROUTING, then DROP: nothing is routed.
load_set() {
	local set=$1 i
	# Empty the table first, so the module a set needs can be swapped.
	printf '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' | $IPT_RESTORE
	case $set in
	spin) pktstat_module spin ;;
	pktstat) pktstat_module normal ;;
	esac
	{
		printf '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:BENCH - [0:0]\n'
		echo "-A PREROUTING -i bench0 -j BENCH"
		echo "-A PREROUTING -i bench0 -j DROP"
		for ((i = 0; i < ${NRULES:-100}; i++)); do
			rule_of "$set" "$i"
		done
		echo COMMIT
	} | $IPT_RESTORE || fail "iptables-restore of set $set"
}

pgset() {
	echo "$2" >"$PG/$1" || fail "pktgen $1: $2"
}

# Configure pktgen: one device bench0@T on each pktgen thread T of the list
# $1 (vCPU numbers), $2 packets each (0: until stopped), $3 ns between them.
pktgen_setup() {
	local count=$2 delay=$3 t d
	for t in "$PG"/kpktgend_*; do
		pgset "${t##*/}" rem_device_all
	done
	# rem_device_all is carried out by the pktgen thread later: wait for
	# it, or it removes the devices added next.
	for ((t = 0; t < 200; t++)); do
		compgen -G "$PG/bench0@*" >/dev/null || break
		pause 0.05
	done
	compgen -G "$PG/bench0@*" >/dev/null && fail "pktgen devices not removed"
	for t in $1; do
		pgset "kpktgend_$t" "add_device bench0@$t"
		d="bench0@$t"
		pgset "$d" "count $count"
		pgset "$d" "pkt_size 60"
		pgset "$d" "delay $delay"
		pgset "$d" "dst 10.99.0.2"
		pgset "$d" "src_min 10.99.0.1"
		pgset "$d" "src_max 10.99.0.1"
		pgset "$d" "dst_mac $MAC"
		pgset "$d" "xmit_mode netif_receive"
	done
}

# "PPS SENT": sums over the devices of the packets/s pktgen reports and of
# the packets it sent.
pktgen_result() {
	local t sum=0 sent=0 pps n
	for t in $1; do
		pps=$(grep -o -E '[0-9]+pps' "$PG/bench0@$t" | head -n1 || true)
		pps=${pps%pps}
		n=$(grep -o -E 'pkts-sofar: [0-9]+' "$PG/bench0@$t" | head -n1 || true)
		n=${n#pkts-sofar: }
		sum=$((sum + ${pps:-0}))
		sent=$((sent + ${n:-0}))
	done
	echo "$sum $sent"
}

# Wait without a process: nothing may run in the guest between the marks
# but pktgen (a fork costs milliseconds under TCG).
pause() {
	read -r -t "${1:-$MARGIN}" _ <>"$PAUSE_FIFO" || true
}

run_one() {
	local round=$1 ncpu=$2 set=$3 tag threads
	threads=$(seq -s ' ' 0 $((ncpu - 1)))
	load_set "$set"
	pktgen_setup "$threads" "$PKTS" 0
	tag="r$round:c$ncpu:$set:$((PKTS * ncpu))"
	pause
	out "MARK start $tag"
	pause
	echo start >"$PG/pgctrl"
	out "MARK end $tag"
	out "PPS $tag $(pktgen_result "$threads")"
	pause
}

# Rounds: per vCPU count, the baseline then each set, the order rotated
# every round so no set always runs first or right after a module swap.
rounds() {
	local r n i k set
	local -a order
	read -r -a order <<<"${SETS:?}"
	k=${#order[@]}
	# Warm-up, not measured: TCG translates each module's code the first
	# time it runs, and that must not count against the set that runs first.
	if ((WARMUP_PKTS > 0)); then
		for set in "${order[@]}"; do
			load_set "$set"
			pktgen_setup "$(seq -s ' ' 0 $(($(nproc) - 1)))" "$WARMUP_PKTS" 0
			echo start >"$PG/pgctrl"
		done
	fi
	for ((r = 0; r < ROUNDS; r++)); do
		for n in $NCPUS; do
			((n <= $(nproc))) || continue
			for ((i = 0; i < k; i++)); do
				set=${order[(i + r + BOOT) % k]}
				run_one "$r" "$n" "$set"
			done
		done
	done
	load_set base
}

# --- clock costs -------------------------------------------------------------
clocks() {
	local line
	insmod "$B/clockbench.ko" "loops=$CLOCK_LOOPS" || fail "clockbench"
	rmmod clockbench
	while read -r line; do
		out "CLOCK ${line#*clockbench: }"
	done < <(dmesg | grep -o 'clockbench: .*' | grep -v 'clockbench: done')
}

# --- window latency ----------------------------------------------------------
latency() {
	local period=$1 pid
	load_set base
	printf '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -i bench0 -m pktstat --period %s --samples 4096 --name lat\n-A PREROUTING -i bench0 -j DROP\nCOMMIT\n' \
		"${period}ns" | $IPT_RESTORE || fail "latency rule"
	# Traffic on the last vCPU, the reader on the first.
	pktgen_setup "$(($(nproc) - 1))" 0 $((period / 4))
	echo start >"$PG/pgctrl" &
	pid=$!
	sleep 0.2
	out "LAT $period $(taskset -c 0 "$B/latency" /proc/net/xt_pktstat/lat/data "$LAT_SECS")"
	echo stop >"$PG/pgctrl"
	wait "$pid" || true
	load_set base
}

# --- drain rate: the kernel's side of the collector's throughput ----------------
# A backlog of 1 us windows from one pktgen thread, then one read() loop
# drains it (bench/drain.c); a second backlog, drained by pktstat-collect.
drain_rate() {
	local d=/proc/net/xt_pktstat/drain q t rows
	load_set base
	printf '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -i bench0 -m pktstat --period 1us --samples 65536 --name drain\n-A PREROUTING -i bench0 -j DROP\nCOMMIT\n' |
		$IPT_RESTORE || fail "drain rule"
	pktgen_setup 0 "$DRAIN_PKTS" 0
	echo start >"$PG/pgctrl"
	pause 0.05
	q=$(awk '$1 == "queued:" { print $2 }' "$d/stats")
	out "DRAIN read $q $(taskset -c 0 "$B/drain" "$d/data")"
	pktgen_setup 0 "$DRAIN_PKTS" 0
	echo start >"$PG/pgctrl"
	pause 0.05
	q=$(awk '$1 == "queued:" { print $2 }' "$d/stats")
	rm -rf /tmp/drain-csv
	mkdir -p /tmp/drain-csv
	t=$({ TIMEFORMAT='%3U %3S %3R'; time taskset -c 0 "$B/pktstat-collect" --once \
		-o /tmp/drain-csv/out -s /tmp/drain-csv/state -r '' drain >/dev/null 2>&1; } 2>&1)
	rows=$(($(wc -l <"/tmp/drain-csv/out/drain.csv") - 1))
	out "DRAIN collect $q $rows $t"
	load_set base
}

# --- memory per instance -----------------------------------------------------
percpu_kb() { awk '/^Percpu:/ { print $2 }' /proc/meminfo; }
memcg_percpu() { awk '$1 == "percpu" { print $2 }' "$1/memory.stat"; }

memory() {
	local s cg=/sys/fs/cgroup/bench c0 c1 p0 p1 q0 q1 i
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control || fail "no memory cgroup"
	mkdir -p "$cg"
	for s in $MEM_SAMPLES; do
		# Bare rules first, so the rule blob's own memory cancels out.
		mem_rules() {
			{
				printf '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:MEM - [0:0]\n'
				for ((i = 0; i < 100; i++)); do
					if [[ $1 == bare ]]; then
						echo "-A MEM -m comment --comment m$i"
					else
						echo "-A MEM -m comment --comment m$i -m pktstat --period 1ms --samples $s --name m$i"
					fi
				done
				echo COMMIT
			} | $IPT_RESTORE
		}
		# Everything runs inside the cgroup, so the kernel charges it.
		# shellcheck disable=SC2016 # expanded by the inner shell
		read -r c0 p0 q0 c1 p1 q1 < <(
			echo $BASHPID >"$cg/cgroup.procs"
			mem_rules bare
			sync
			a="$(cat "$cg/memory.current") $(percpu_kb) $(memcg_percpu "$cg")"
			mem_rules pktstat
			echo "$a $(cat "$cg/memory.current") $(percpu_kb) $(memcg_percpu "$cg")"
		)
		out "MEM $s $(nproc) $(((c1 - c0) / 100)) $(((p1 - p0) * 1024 / 100)) $(((q1 - q0) / 100))"
		load_set base
	done
}

info
setup
out "INFO setup_done=$(cut -d' ' -f1 /proc/uptime)"
[[ $DO_CLOCK == 1 ]] && clocks
rounds
if [[ $DO_EXTRA == 1 ]]; then
	for p in $LAT_PERIODS; do
		latency "$p"
	done
	drain_rate
	memory
fi
out "INFO done=1"
