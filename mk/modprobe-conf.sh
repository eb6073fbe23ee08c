#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /etc/modprobe.d/xt_pktstat.conf of the pktstat-collect packages, Debian
# and RPM alike (installed as /usr/share/pktstat-collect/modprobe-conf):
#
#   modprobe-conf write GID   write it from the template with the pktstat
#                             gid, unless the admin has changed it
#   modprobe-conf remove      delete it, unless the admin has changed it
#
# The file ends with a line holding the sha256 of its other lines: while
# they still match, it is the package's file and is rewritten (reinstall,
# upgrade) or removed (purge, erase); once edited, it is the admin's and is
# left alone (Debian Policy 10.7.3). debian/pktstat-collect.postrm repeats
# the check, as this script is gone at purge time.
set -eu

CONF=/etc/modprobe.d/xt_pktstat.conf
TEMPLATE=/usr/share/pktstat-collect/xt_pktstat-modprobe.conf.in
MARK='# pktstat-collect: sha256 '

# sha256 of stdin without the mark line.
body_sum() {
	grep -v "^$MARK" | sha256sum | cut -d' ' -f1
}

unedited() {
	[ -f "$CONF" ] || return 1
	want=$(sed -n "s/^$MARK\([0-9a-f]*\).*/\1/p" "$CONF")
	[ -n "$want" ] && [ "$(body_sum <"$CONF")" = "$want" ]
}

write() {
	gid=$1
	# Without kmod there is no modprobe.d and nothing would read the file:
	# the module is loaded elsewhere (a container's host, for one).
	if [ ! -d "${CONF%/*}" ]; then
		echo "pktstat-collect: no ${CONF%/*} (kmod is not installed). Where xt_pktstat"
		echo "  is loaded, give it 'gid=$gid mode=0440' so the collector can read /proc."
		return 0
	fi
	if [ -e "$CONF" ] && ! unedited; then
		if ! grep -Eq "^options[[:space:]]+xt_pktstat([[:space:]].*)?[[:space:]]gid=$gid([[:space:]]|\$)" "$CONF"; then
			echo "pktstat-collect: $CONF was changed locally and is kept;"
			echo "  the collector needs 'gid=$gid mode=0440' among its xt_pktstat options."
		fi
		return 0
	fi
	sed "s/@PKTSTAT_GID@/$gid/g" "$TEMPLATE" >"$CONF.pktstat-new"
	printf '%s%s (edit freely: an edited file is kept)\n' "$MARK" \
		"$(body_sum <"$CONF.pktstat-new")" >>"$CONF.pktstat-new"
	chmod 0644 "$CONF.pktstat-new"
	mv "$CONF.pktstat-new" "$CONF"
}

case ${1:-} in
write) write "${2:?usage: modprobe-conf write GID}" ;;
remove) if unedited; then rm -f "$CONF"; fi ;;
*)
	echo "usage: modprobe-conf write GID | remove" >&2
	exit 2
	;;
esac
