#!/usr/bin/env bash
# `make demo`: boot the default kernel in qemu with the module, add a rule
# with 1 ms windows, send known traffic, print the windows and rates the
# module reports, what pktstat-top showed and the metrics pktstat-collect
# exported (ci/guest/demo.sh does the work inside the VM), then draw the
# collector's CSV with pktstat-plot and say where the picture is.
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
make -s -C tools
ci/build-module.sh "$kver"
REQUIRE_EXTENSION=1 ci/initramfs.sh "$kver" "$out/initrd" ci/guest/demo.sh
echo "ci/demo.sh: booting $kver under qemu (TCG)" >&2
rc=0
VM_TIMEOUT=${VM_TIMEOUT:-150} ci/qemu.sh "$kver" "$out/initrd" "$out" || rc=$?

tr -d '\r' <"$out/results.log" | sed -n '/^=== BEGIN demo ===$/,/^=== END demo/{/^=== [BE][EN][GD]/d;p}'
if ! grep -q '^=== END demo rc=0' "$out/results.log"; then
	echo "ci/demo.sh: the demo did not finish (qemu rc=$rc); console log:" >&2
	tr -d '\r' <"$out/console.log" | tail -n 30 >&2
	exit 1
fi
# The collector's CSV, drawn here: the guest has no cairo.
rm -rf "$out/csv"
mkdir -p "$out/csv"
tr -d '\r' <"$out/results.log" | sed -n '/^=== BEGIN file demo.csv.gz ===$/,/^=== END file ===$/{/^===/d;p}' |
	base64 -d | gunzip >"$out/csv/demo.csv"
tools/pktstat-plot -n demo -s 1200x640 --title "make demo: xt_pktstat, 1 ms windows, kernel $kver" \
	-o "$out/demo.png" "$out/csv"
echo
echo "=== the picture: pktstat-plot -n demo $out/csv ==="
echo "$(realpath "$out/demo.png") ($(wc -l <"$out/csv/demo.csv") CSV lines drawn)"
