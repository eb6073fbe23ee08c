#!/usr/bin/env bash
# The VM half of tests/pkg.
#
#   vm.sh image            ext4 image of the test root (build/pkg/root.img)
#                          with the guest suites and their unit added
#   vm.sh boot KVER ARGS   boot the image with the root's own KVER kernel
#                          under qemu (TCG), ARGS appended to the kernel
#                          command line; prints the guest's TAP (2nd serial)
#
# The guest boots the real thing: systemd as init, the image's own initramfs
# (made by the kernel package's postinst in the root), so what is proven is
# what a user's machine does at boot (udev, modprobe.d, systemd units).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pkg/lib.sh
. "$here/lib.sh"

IMG=$PKG_IMG
VM_TIMEOUT=${VM_TIMEOUT:-900}

image() {
	local r=$PKG_ROOT libdir=usr/local/lib/xt-pktstat-test mb
	root_umount "$r"
	# debootstrap's own .debs are not needed in the guest.
	rm -f "$r"/var/cache/apt/archives/*.deb
	install -d "$r/$libdir"
	install -m 0755 "$here/guest/guest-run.sh" "$r/$libdir/"
	install -m 0644 "$here"/guest/*.bats "$here/guest/lib.bash" "$r/$libdir/"
	install -m 0644 "$here/guest/xt-pktstat-pkgtest.service" "$r/etc/systemd/system/"
	ln -sf /etc/systemd/system/xt-pktstat-pkgtest.service \
		"$r/etc/systemd/system/multi-user.target.wants/xt-pktstat-pkgtest.service"
	# Boot faster: nothing here needs these in a throwaway guest.
	for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service \
		systemd-networkd-wait-online.service dpkg-db-backup.timer; do
		ln -sf /dev/null "$r/etc/systemd/system/$u"
	done
	# Room for the package upgrade's DKMS builds in the guest.
	mb=$(($(du -sm "$r" | cut -f1) + 1024))
	rm -f "$IMG"
	truncate -s "${mb}M" "$IMG"
	mkfs.ext4 -q -F -L xt-pktstat-test -d "$r" "$IMG"
}

boot() {
	local kver=$1 args=$2 name console result rc=0
	name=$(echo "boot-$kver-$args" | tr -c 'A-Za-z0-9.\n-' '_' | cut -c1-80)
	console=$PKG_BUILD/$name.console
	result=$PKG_BUILD/$name.tap
	rm -f "$console" "$result"
	# cx16=off: QEMU 7.2's TCG corrupts memory on 6.12's per-CPU
	# cmpxchg16b (%gs-relative, SLUB fast path): #DB warnings, list_add
	# corruption, panics during virtio probe. Without CX16 the kernel takes
	# its fallback path and boots cleanly; 6.1 does not care either way.
	timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
		-machine pc -accel tcg,thread=multi -cpu max,cx16=off -smp 2 -m 1G \
		-nodefaults -no-user-config \
		-kernel "$PKG_ROOT/boot/vmlinuz-$kver" \
		-initrd "$PKG_ROOT/boot/initrd.img-$kver" \
		-append "root=/dev/vda rw console=ttyS0 clocksource=tsc tsc=reliable panic=-1 $args" \
		-drive "file=$IMG,format=raw,if=virtio,cache=unsafe" \
		-display none -no-reboot \
		-serial "file:$console" -serial "file:$result" || rc=$?
	cat "$result"
	if [[ $rc != 0 ]]; then
		echo "qemu exited $rc (124: timeout); console log: $console" >&2
		tail -n 30 "$console" >&2
		return 1
	fi
}

case ${1:-} in
image) image ;;
boot) boot "${2:?KVER}" "${3:-}" ;;
*)
	echo "usage: vm.sh image | vm.sh boot KVER ARGS" >&2
	exit 2
	;;
esac
