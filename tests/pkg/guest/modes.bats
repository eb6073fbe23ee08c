#!/usr/bin/env bats
# Guest, first boot: the collector's other modes, as an admin would switch
# to them. Cron (a host without systemd) drains exactly; timer mode
# survives a package upgrade (the timer is active again afterwards) and
# apt-get remove stops it. Leaves the daemon mode of a fresh install.

load lib.bash

setup_file() {
	systemctl stop pktstat-collect.service pktstat-collect.timer
}

teardown_file() {
	iptables -F INPUT
	systemctl disable --now pktstat-collect.timer
	systemctl enable --now pktstat-collect.service
}

@test "cron mode: on a host without systemd the cron line drains exactly what was sent" {
	local cmd
	cmd=$(awk '/^[*0-9@]/ { for (i = 1; i <= 6; i++) $i = ""; sub(/^ +/, ""); print }' \
		/etc/cron.d/pktstat-collect)
	rm -f /var/log/xt-pktstat/cron.csv* /var/lib/xt-pktstat/cron*
	iptables -I INPUT -i lo -p udp --dport "$PORT" -m pktstat --period 10ms --name cron
	send_udp 7 100
	sleep 0.2 # >= one period: the last window is closed and readable
	# As cron runs it (its user, SHELL and PATH), where /run/systemd is empty.
	run unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd &&
		exec runuser -u pktstat -- env -i SHELL=/bin/sh PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -c "$1"' \
		_ "$cmd"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(csv_frames cron)" -eq 7 ]
	# With systemd it leaves the draining to the units: nothing more read.
	send_udp 3 100
	sleep 0.2
	run runuser -u pktstat -- env -i SHELL=/bin/sh PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -c "$cmd"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(csv_frames cron)" -eq 7 ]
}

# apt-get from the local repository of the next version only, for the
# collector alone: bookworm's apt would upgrade every binary package of
# our source with it, and DKMS under TCG takes minutes.
apt_next() {
	echo 'deb [trusted=yes] file:/srv/xt-pktstat/repo-next ./' \
		>/etc/apt/sources.list.d/xt-pktstat-local.list
	apt-get update -q -o Dir::Etc::sourcelist=sources.list.d/xt-pktstat-local.list \
		-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 >/dev/null
	env DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends \
		-o APT::Get::Upgrade-By-Source-Package=false "$@"
}

@test "timer mode: after apt-get upgrades pktstat-collect to $XTPKT_NEXT the timer is active again" {
	systemctl disable --now pktstat-collect.service
	systemctl enable --now pktstat-collect.timer
	systemctl -q is-active pktstat-collect.timer
	run apt_next install pktstat-collect
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(dpkg-query -W -f '${Version}' pktstat-collect)" = "$XTPKT_NEXT" ]
	[ "$(dpkg-query -W -f '${Version}' xt-pktstat-dkms)" = "$XTPKT_VERSION" ]
	systemctl -q is-active pktstat-collect.timer
	systemctl -q is-enabled pktstat-collect.timer
	run systemctl is-active pktstat-collect.service
	[ "$output" = inactive ]
}

@test "timer mode: apt-get remove stops the timer" {
	run apt_next remove pktstat-collect
	echo "$output"
	[ "$status" -eq 0 ]
	run systemctl is-active pktstat-collect.timer
	echo "$output"
	[ "$output" = inactive ]
	[ ! -e /lib/systemd/system/pktstat-collect.timer ]
	# Back, for the next boots (the admin's unit choices are kept).
	apt_next install pktstat-collect
}
