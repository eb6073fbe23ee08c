#!/usr/bin/env bash
# `make demo`: boot the default kernel in qemu with the module, add a rule
# with 1 ms windows, send known traffic, print the windows and rates the
# module reports (ci/guest/demo.sh does the work inside the VM).
set -euo pipefail

cd "$(dirname "$0")/.."
kver=${KVER:-$(ci/kernels.sh default)}
if [[ ! -f /boot/vmlinuz-$kver ]]; then
	# Headers without an image (e.g. linux-headers-amd64): boot a test kernel.
	kver=$(ci/kernels.sh list | head -n1)
fi
[[ -n $kver ]] || { echo "ci/demo.sh: no bootable kernel (run ci/deps.sh)" >&2; exit 1; }
out=build/vm/demo-$kver
mkdir -p "$out"

echo "ci/demo.sh: building for $kver" >&2
make -s -C tests/tools
make -s -C iptables
ci/build-module.sh "$kver"
REQUIRE_EXTENSION=1 ci/initramfs.sh "$kver" "$out/initrd" ci/guest/demo.sh
echo "ci/demo.sh: booting $kver under qemu (TCG)" >&2
rc=0
VM_TIMEOUT=${VM_TIMEOUT:-150} ci/qemu.sh "$kver" "$out/initrd" "$out" || rc=$?

tr -d '\r' <"$out/results.log" | sed -n '/^=== BEGIN demo ===$/,/^=== END demo/{/^===/d;p}'
if ! grep -q '^=== END demo rc=0' "$out/results.log"; then
	echo "ci/demo.sh: the demo did not finish (qemu rc=$rc); console log:" >&2
	tr -d '\r' <"$out/console.log" | tail -n 30 >&2
	exit 1
fi
