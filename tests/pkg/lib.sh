# shellcheck shell=bash
# Shared helpers of tests/pkg: paths, chroot mounts, apt in the root.
# Sourced by the driver scripts and the bats suites.

PKG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Everything this suite writes lives here.
PKG_BUILD=${PKG_BUILD:-$PKG_TOP/build/pkg}
# The base roots (a debootstrap plus kernels: minutes to make) are cached per
# machine, keyed on what goes in them, so a fresh clone or `make clean` does
# not pay for them again.
PKG_CACHE=${PKG_CACHE:-/var/cache/xt-pktstat-ci/pkg}
# The host's apt cache is bind-mounted into the root so a .deb is
# downloaded once per machine, not once per base root.
PKG_APT_CACHE=${PKG_APT_CACHE:-/var/cache/apt/archives}
PKG_MIRROR=${PKG_MIRROR:-http://deb.debian.org/debian}
PKG_SECURITY_MIRROR=${PKG_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# Run a command inside ROOT with a clean environment.
in_root() {
	local root=$1
	shift
	chroot "$root" /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}

# apt-get in ROOT, never prompting, keeping conffiles' defaults.
root_apt() {
	local root=$1
	shift
	in_root "$root" apt-get -y -q -o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold "$@"
}

_root_mounted() {
	local root=$1
	mountpoint -q "$root/proc"
}

# Mount what dpkg, dkms and update-initramfs need in ROOT. Idempotent.
root_mount() {
	local root=$1
	_root_mounted "$root" && return 0
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	# A private /dev (not a bind of the host's): a stray `rm -rf build/`
	# during a run can then never reach the host's device nodes.
	mount -t tmpfs -o mode=0755,size=1M tmpfs "$root/dev"
	local n
	for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		IFS=: read -r name major minor <<<"$n"
		mknod -m 0666 "$root/dev/$name" c "$major" "$minor"
	done
	mkdir -p "$root/dev/pts" "$root/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
	ln -s pts/ptmx "$root/dev/ptmx"
	ln -s /proc/self/fd "$root/dev/fd"
	mount -t tmpfs tmpfs "$root/run"
	mkdir -p "$PKG_APT_CACHE/partial"
	mount --bind "$PKG_APT_CACHE" "$root/var/cache/apt/archives"
	# No daemons may start inside the chroot: it is not a booted system.
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
}

# Undo root_mount (deepest first); tolerant of partial mounts.
root_umount() {
	local root=$1 m
	[[ -d $root ]] || return 0
	rm -f "$root/usr/sbin/policy-rc.d"
	for m in var/cache/apt/archives run dev/pts dev sys proc; do
		if mountpoint -q "$root/$m"; then
			umount "$root/$m" || umount -l "$root/$m"
		fi
	done
}

# Kernel facts recorded by mkroot.sh: K61, K612 (uname -r of each).
root_kernels() {
	local root=$1
	# shellcheck disable=SC1091
	. "$root/etc/xt-pktstat-test/kernels"
}

# Print the list of files and dirs of ROOT that a package could own,
# leaving out caches, logs and state that apt and dpkg change themselves.
root_files() {
	local root=$1
	(cd "$root" && find . -xdev \
		\( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
		-o -path ./tmp -o -path ./var/tmp -o -path ./var/cache \
		-o -path ./var/log -o -path ./var/lib/apt -o -path ./var/lib/dpkg \
		-o -path ./var/lib/systemd -o -path ./var/lib/dkms/mok.key \
		-o -path ./var/lib/dkms/mok.pub -o -path ./srv \) -prune \
		-o -print | LC_ALL=C sort)
}

# The root the tests change: an overlay on the cached base root, so a run
# starts from the pristine base in no time and never alters the cache.
PKG_ROOT=$PKG_BUILD/root

work_root_up() {
	local base=$1
	mkdir -p "$PKG_BUILD/upper" "$PKG_BUILD/ovl-work" "$PKG_ROOT"
	mountpoint -q "$PKG_ROOT" || mount -t overlay overlay \
		-o "lowerdir=$base,upperdir=$PKG_BUILD/upper,workdir=$PKG_BUILD/ovl-work" \
		"$PKG_ROOT"
}

# The VM's disk image, loop-mounted for steps done from the host (chroot)
# between two boots.
PKG_IMG=$PKG_BUILD/root.img
PKG_MNT=$PKG_BUILD/mnt

image_mount() {
	mkdir -p "$PKG_MNT"
	mountpoint -q "$PKG_MNT" || mount -o loop "$PKG_IMG" "$PKG_MNT"
	root_mount "$PKG_MNT"
}

image_umount() {
	[[ -d $PKG_MNT ]] || return 0
	root_umount "$PKG_MNT"
	if mountpoint -q "$PKG_MNT"; then
		umount "$PKG_MNT" || umount -l "$PKG_MNT"
	fi
}

work_root_down() {
	image_umount
	[[ -d $PKG_ROOT ]] || return 0
	root_umount "$PKG_ROOT"
	if mountpoint -q "$PKG_ROOT"; then
		umount "$PKG_ROOT" || umount -l "$PKG_ROOT"
	fi
}

work_root_reset() {
	work_root_down
	rm -rf "$PKG_BUILD/upper" "$PKG_BUILD/ovl-work"
}

# apt-get update of the local repositories only: the Debian lists come
# from the cached root, so the tests need no network after mkroot.sh.
root_apt_update_local() {
	root_apt "$1" update \
		-o Dir::Etc::sourcelist=sources.list.d/xt-pktstat-local.list \
		-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0
}

# Seconds since the epoch, for the timings the suites report.
now() { date +%s; }

# Report a timing as a TAP comment and keep it for run.sh's summary.
report_time() {
	local what=$1 secs=$2
	echo "# time: $what ${secs}s" >&3
	echo "$what ${secs}s" >>"$PKG_BUILD/times"
}

# Fail (under bats' set -e) when TEXT has a line matching the ERE; prints it.
refute_match() {
	local ere=$1 text=$2
	if grep -E "$ere" <<<"$text"; then
		return 1
	fi
}
