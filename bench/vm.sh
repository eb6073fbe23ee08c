#!/usr/bin/env bash
# make bench: one VM boot of the in-kernel benchmarks (bench/guest.sh).
#
#   bench/vm.sh KVER OUTDIR BOOT
#
# Builds the initramfs with ci/initramfs.sh (guest script bench/guest.sh) and
# appends a fourth cpio layer: pktgen, xt_ACCOUNT (xtables-addons), the spinlock build
# of xt_pktstat, bench/clockbench, the latency reader, nfacct and
# libxt_ACCOUNT.so. Boots it with ci/qemu.sh (bench/shim adds
# -name debug-threads=on), pins vCPU thread N to host CPU N mod nproc, and
# at each "MARK" line of the guest records the vCPU threads' host CPU time
# (/proc/PID/task/TID/schedstat, ns) in OUTDIR/marks.log:
#   MARK start|end TAG CPU_NS HOST_NS LOAD1
# Needs (ci/bench.sh builds them): build/mod/KVER/xt_pktstat.ko,
# build/bench/KVER/{mod-spin/xt_pktstat.ko,clockbench/clockbench.ko,
# xtables-addons/xt_ACCOUNT.ko},
# build/bench/latency, build/bench/drain, tools/pktstat-collect.
# Env: ROUNDS PKTS SETS NCPUS MARGIN DO_CLOCK CLOCK_LOOPS DO_EXTRA
# LAT_PERIODS LAT_SECS MEM_SAMPLES NRULES WARMUP_PKTS DRAIN_PKTS (passed to the guest),
# VM_TIMEOUT.
set -euo pipefail

cd "$(dirname "$0")/.."
kver=${1:?usage: bench/vm.sh KVER OUTDIR BOOT}
out=${2:?usage: bench/vm.sh KVER OUTDIR BOOT}
boot=${3:?usage: bench/vm.sh KVER OUTDIR BOOT}
kb=build/bench/$kver
XTLIB=/usr/lib/x86_64-linux-gnu/xtables

die() {
	echo "bench/vm.sh: $*" >&2
	exit 1
}

mkdir -p "$out"
out=$(realpath "$out")
layer=$out/layer-root
rm -rf "$layer"
mkdir -p "$layer/opt/pktstat-bench/spin" "$layer/etc/pktstat-bench"

# Copy host files into the layer at their canonical paths (merged /usr: the
# layer must not create /lib or /bin directories over the base's links).
put() {
	local f dst
	for f in "$@"; do
		dst=$layer$(realpath -m "$(dirname "$f")")/$(basename "$f")
		mkdir -p "$(dirname "$dst")"
		cp -L "$f" "$dst"
	done
}
libs_of() {
	ldd "$@" 2>/dev/null | awk '/=> \// { print $3 }' | sort -u |
		grep -v -E '/(libc|libm|ld-linux[^/]*)\.so' || true
}

cp "$kb/mod-spin/xt_pktstat.ko" "$layer/opt/pktstat-bench/spin/"
cp "$kb/clockbench/clockbench.ko" build/bench/latency build/bench/drain \
	tools/pktstat-collect "$layer/opt/pktstat-bench/"

# Kernel modules the base layer lacks, in load order.
mapfile -t kos < <(modprobe -S "$kver" --show-depends pktgen |
	awk '$1 == "insmod" { print $2 }')
((${#kos[@]})) || die "pktgen not found for $kver"
xa=$kb/xtables-addons
[[ -f $xa/xt_ACCOUNT.ko ]] || die "$xa/xt_ACCOUNT.ko missing (ci/bench.sh builds it)"
# xt_ACCOUNT and what it needs from xtables-addons (compat_xtables, if so).
xa_mods=()
for d in $(/sbin/modinfo -F depends "$xa/xt_ACCOUNT.ko" | tr ',' ' '); do
	[[ -f $xa/$d.ko ]] && xa_mods+=("$d.ko")
done
xa_mods+=(xt_ACCOUNT.ko)
mkdir -p "$layer/opt/pktstat-bench/ko"
put "${kos[@]}"
{
	for k in "${kos[@]}"; do realpath -m "$k"; done
	for k in "${xa_mods[@]}"; do
		cp "$xa/$k" "$layer/opt/pktstat-bench/ko/"
		echo "/opt/pktstat-bench/ko/$k"
	done
} >"$layer/opt/pktstat-bench/modules.load"

# Userspace: nfacct and the ACCOUNT extension, with their libraries.
nfacct=$(command -v nfacct) || die "nfacct missing (ci/deps.sh)"
[[ -f $XTLIB/libxt_ACCOUNT.so ]] || die "$XTLIB/libxt_ACCOUNT.so missing (xtables-addons-common)"
mapfile -t libs < <(libs_of "$nfacct" "$XTLIB/libxt_ACCOUNT.so")
put "$nfacct" "$XTLIB/libxt_ACCOUNT.so" "${libs[@]}"

{
	printf 'BOOT=%q\n' "$boot"
	for v in ROUNDS PKTS SETS NCPUS MARGIN DO_CLOCK CLOCK_LOOPS DO_EXTRA \
		LAT_PERIODS LAT_SECS MEM_SAMPLES NRULES WARMUP_PKTS DRAIN_PKTS; do
		printf '%s=%q\n' "$v" "${!v:?bench/vm.sh: $v not set}"
	done
} >"$layer/etc/pktstat-bench/env"

(cd "$layer" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
	gzip -1 >"$out/bench-layer.cpio.gz"
ci/initramfs.sh "$kver" "$out/initrd.base" bench/guest.sh
cat "$out/initrd.base" "$out/bench-layer.cpio.gz" >"$out/initrd"

# --- boot and follow ----------------------------------------------------------
export BENCH_QEMU_PIDFILE=$out/qemu.pid
rm -f "$BENCH_QEMU_PIDFILE" "$out/marks.log"
: >"$out/marks.log"
PATH="$PWD/bench/shim:$PATH" VM_SMP=${VM_SMP:-2} VM_MEM=${VM_MEM:-1G} \
	ci/qemu.sh "$kver" "$out/initrd" "$out" >"$out/qemu.out" 2>&1 &
qsh=$!

for ((i = 0; i < 300; i++)); do
	[[ -s $BENCH_QEMU_PIDFILE ]] && break
	kill -0 "$qsh" 2>/dev/null || break
	sleep 0.1
done
[[ -s $BENCH_QEMU_PIDFILE ]] || { wait "$qsh" || true; cat "$out/qemu.out" >&2; die "qemu did not start"; }
qpid=$(cat "$BENCH_QEMU_PIDFILE")

# vCPU threads: "CPU 0/TCG", "CPU 1/TCG", ...
tids=()
for ((i = 0; i < 100 && ${#tids[@]} < ${VM_SMP:-2}; i++)); do
	tids=()
	for t in /proc/"$qpid"/task/*; do
		[[ $(cat "$t/comm" 2>/dev/null) == CPU\ */TCG ]] && tids+=("${t##*/}")
	done
	sleep 0.1
done
((${#tids[@]})) || die "no vCPU threads named 'CPU N/TCG' in qemu $qpid"
hostcpus=$(nproc)
pinned=""
for t in "${tids[@]}"; do
	n=$(sed -E 's#^CPU ([0-9]+)/TCG#\1#' "/proc/$qpid/task/$t/comm")
	if taskset -p -c $((n % hostcpus)) "$t" >/dev/null 2>&1; then
		pinned+=" CPU$n->host$((n % hostcpus))"
	fi
done
echo "vcpu_threads=${tids[*]} pinned=${pinned# }" >"$out/vcpus.txt"

cpu_ns=0
read_cpu() {
	local t ns rest
	cpu_ns=0
	for t in "${tids[@]}"; do
		ns=0
		read -r ns rest <"/proc/$qpid/task/$t/schedstat" 2>/dev/null || true
		cpu_ns=$((cpu_ns + ns))
	done
	: "$rest"
}

load=
while IFS= read -r line; do
	line=${line%$'\r'}
	[[ $line == MARK\ * ]] || continue
	read_cpu
	read -r load _ </proc/loadavg
	echo "$line $cpu_ns $(date +%s%N) $load" >>"$out/marks.log"
done < <(tail -n +1 -s 0.05 -F --pid="$qpid" "$out/results.log" 2>/dev/null)

rc=0
wait "$qsh" || rc=$?
((rc == 0)) || die "qemu exited $rc (see $out/console.log)"
grep -q '^INFO done=1' "$out/results.log" || die "guest did not finish (see $out/console.log, $out/results.log)"
