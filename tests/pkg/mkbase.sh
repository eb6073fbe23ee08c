#!/usr/bin/env bash
# Build (once) the minimal bookworm system piuparts installs each package
# into (debootstrap --variant=minbase: no kmod, no systemd, no adduser),
# as a tarball, and print its path. Cached under $PKG_CACHE, keyed on this
# script, like mkroot.sh's root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pkg/lib.sh
. "$here/lib.sh"

key=$(sha256sum <"$here/mkbase.sh" | cut -c1-16)
tgz=$PKG_CACHE/minbase-$key.tgz
if [[ -f $tgz ]]; then
	echo "$tgz"
	exit 0
fi
mkdir -p "$PKG_CACHE" "$PKG_APT_CACHE"
tmp=$(mktemp -d "$PKG_CACHE/minbase.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
{
	echo "mkbase: debootstrap --variant=minbase bookworm"
	debootstrap --variant=minbase --cache-dir="$PKG_APT_CACHE" \
		bookworm "$tmp/root" "$PKG_MIRROR"
	tar -C "$tmp/root" -czf "$tmp/base.tgz" .
} >&2
mv "$tmp/base.tgz" "$tgz"
echo "$tgz"
