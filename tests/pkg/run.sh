#!/usr/bin/env bash
# Real-install proof of the Debian packages, as TAP on stdout:
#   10-build     make deb (source + binaries, lintian --pedantic), the next
#                version with LTO, Ubuntu's flags, apt repos, cached root
#   20-chroot    apt-get install/purge, modprobe.d edits, statoverride, cron,
#                BUILD_EXCLUSIVE kernels, no openssl, no headers, new
#                headers, kernel upgrade
#   25-piuparts  piuparts of each package alone on a minimal bookworm
#                (mkbase.sh; needs the Debian mirror)
#   30-vm        boot the root under qemu: count + cron and timer modes on
#                6.1, count on 6.12, package upgrade, count on 6.12 again,
#                dkms-autopkgtest, purge
# Needs root (debootstrap, chroot, mounts). Cold: downloads bookworm once.
#   PKG_SUITES="10 20"   only these files (by number); without 30, no qemu
#                        boots (a suite needs the ones before it to have run)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pkg/lib.sh
. "$here/lib.sh"

if [[ $(id -u) != 0 ]]; then
	echo "1..0 # SKIP tests/pkg needs root (debootstrap, chroot, mounts)"
	exit 0
fi

mkdir -p "$PKG_BUILD"
rm -f "$PKG_BUILD/times"
# Never leave mounts under build/ (an interrupted run is cleaned up here,
# and at the start of the next one).
work_root_down
trap work_root_down EXIT
start=$(now)
rc=0
suites=()
for f in "$here"/[0-9]*.bats; do
	n=$(basename "$f")
	n=${n%%-*}
	[[ -z ${PKG_SUITES:-} || " ${PKG_SUITES//,/ } " == *" $n "* ]] && suites+=("$f")
done
bats --tap --timing "${suites[@]}" || rc=$?
echo "# timings:"
sed 's/^/#   /' "$PKG_BUILD/times" 2>/dev/null || true
echo "#   whole suite $(($(now) - start))s"
exit "$rc"
