#!/usr/bin/env bash
# Boot one Debian kernel with our initramfs under qemu (TCG: no KVM here) and
# wait for it to power off.
#
#   ci/qemu.sh KVER INITRD OUTDIR
#
# OUTDIR/console.log gets ttyS0 (kernel and init messages), OUTDIR/results.log
# ttyS1 (the streams written by the guest). Exit status is qemu's, or 124 if
# VM_TIMEOUT (seconds, default 1200) ran out.
# Env: VM_TIMEOUT, VM_SMP (default: 2 CPUs online of more possible, see
# below), VM_MEM (1G), VM_APPEND (extra kernel args), VM_CPU (max,-cx16),
# VM_TCG_THREAD (multi).
set -euo pipefail

kver=${1:?usage: ci/qemu.sh KVER INITRD OUTDIR}
initrd=${2:?usage: ci/qemu.sh KVER INITRD OUTDIR}
outdir=${3:?usage: ci/qemu.sh KVER INITRD OUTDIR}
kernel=/boot/vmlinuz-$kver
[[ -r $kernel ]] || { echo "ci/qemu.sh: $kernel missing" >&2; exit 1; }
mkdir -p "$outdir"
: >"$outdir/console.log"
: >"$outdir/results.log"

# clocksource=tsc tsc=reliable: under TCG the kernel otherwise distrusts the
# TSC and falls back to HPET, whose emulated reads make every clock read slow.
# panic=-1 + -no-reboot: a panic ends qemu at once (no oops=panic: we want
# to keep running and report the oops from dmesg).
append="console=ttyS0,115200 panic=-1 clocksource=tsc tsc=reliable"
append+=" printk.devkmsg=on rdinit=/init ${VM_APPEND:-}"

# By default more CPUs are possible than online, as on cloud VMs: 2 online,
# 4 present (maxcpus=2 leaves CPUs 2-3 offline), 64 possible. 6.12 counts
# the 60 absent ones only under a hypervisor it knows and takes TCG for bare
# metal: there the 2 present offline CPUs are the extra possible ones.
smp=${VM_SMP:-4,maxcpus=64}
[[ -n ${VM_SMP:-} ]] || append+=" maxcpus=2"

# -cx16: QEMU 7.2's TCG corrupts EFLAGS on "cmpxchg16b %gs:..." under
# thread=multi; 6.12's SLUB uses exactly that and double-faults within
# seconds (seen at boot and mid-suite). Without CX16 the kernel falls back
# to its lock-based path.
rc=0
timeout --foreground -k 10 "${VM_TIMEOUT:-1200}" \
	qemu-system-x86_64 -machine pc -accel "tcg,thread=${VM_TCG_THREAD:-multi}" -cpu "${VM_CPU:-max,-cx16}" \
	-smp "$smp" -m "${VM_MEM:-1G}" \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-serial "file:$outdir/console.log" -serial "file:$outdir/results.log" \
	</dev/null || rc=$?
exit "$rc"
