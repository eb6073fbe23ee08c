#!/usr/bin/env bash
# Build (once) the Debian bookworm root the package tests install into, and
# print its path. The root is cached under $PKG_CACHE, keyed on the
# package list and this script, so a warm run skips debootstrap and apt.
#
# What the cached root holds: minbase + systemd + root-packages.list, the
# bookworm cloud kernel (6.1) with its headers, and the 6.12 cloud kernel and
# headers from bookworm-backports *downloaded only* (installed later by the
# kernel-upgrade test, so DKMS's kernel hook is what builds the module).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pkg/lib.sh
. "$here/lib.sh"

key=$(cat "$here/root-packages.list" "$here/mkroot.sh" | sha256sum | cut -c1-16)
root=$PKG_CACHE/root-$key
# One builder at a time: ci/check.sh starts this in the background and the
# package steps may ask for the root before it is done; they wait for it.
mkdir -p "$PKG_CACHE"
exec 9>"$PKG_CACHE/.mkroot.lock"
flock 9
if [[ -f $root/etc/xt-pktstat-test/kernels ]]; then
	echo "$root"
	exit 0
fi

mkdir -p "$PKG_CACHE"
tmp=$root.tmp
if [[ -d $tmp ]]; then
	root_umount "$tmp"
	rm -rf "$tmp"
fi
trap 'root_umount "$tmp"' EXIT

{
	echo "mkroot: debootstrap bookworm into $tmp"
	mkdir -p "$PKG_APT_CACHE"
	# --cache-dir shares downloads with the host's apt cache.
	debootstrap --variant=minbase --cache-dir="$PKG_APT_CACHE" \
		bookworm "$tmp" "$PKG_MIRROR"

	cat >"$tmp/etc/apt/sources.list" <<-EOF
		deb $PKG_MIRROR bookworm main
		deb $PKG_MIRROR bookworm-updates main
		deb $PKG_SECURITY_MIRROR bookworm-security main
		deb $PKG_MIRROR bookworm-backports main
	EOF
	# Like a user's machine, but quiet about what tests do not need.
	printf 'APT::Install-Suggests "0";\n' >"$tmp/etc/apt/apt.conf.d/90xt-pktstat-test"
	echo xt-pktstat-test >"$tmp/etc/hostname"
	echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$tmp/etc/fstab"

	root_mount "$tmp"
	root_apt "$tmp" update
	mapfile -t pkgs < <(sed 's/#.*//; /^[[:space:]]*$/d' "$here/root-packages.list")
	# dkms without Recommends: the headers are chosen here, per kernel.
	root_apt "$tmp" install --no-install-recommends "${pkgs[@]}"

	# Kernel names as a user finds them: what the cloud metapackage points at.
	img61=$(in_root "$tmp" apt-cache depends linux-image-cloud-amd64 |
		awk '/Depends: linux-image-/ {print $2; exit}')
	img612=$(in_root "$tmp" apt-cache depends linux-image-cloud-amd64/bookworm-backports |
		awk '/Depends: linux-image-/ {print $2; exit}')
	k61=${img61#linux-image-}
	k612=${img612#linux-image-}
	[[ -n $k61 && -n $k612 ]] || {
		echo "mkroot: cannot resolve cloud kernels" >&2
		exit 1
	}
	root_apt "$tmp" install --no-install-recommends "$img61" "linux-headers-$k61"
	# Downloaded now, installed by the tests (offline from then on).
	root_apt "$tmp" install --download-only -t bookworm-backports \
		"$img612" "linux-headers-$k612"
	root_apt "$tmp" install --download-only linux-headers-amd64

	in_root "$tmp" systemd-machine-id-setup
	# The guest logs in nowhere; the tests run as a unit. No root password.
	mkdir -p "$tmp/etc/xt-pktstat-test"
	printf 'K61=%s\nK612=%s\n' "$k61" "$k612" >"$tmp/etc/xt-pktstat-test/kernels"
	root_umount "$tmp"
} >&2
trap - EXIT
mv "$tmp" "$root"
echo "$root"
