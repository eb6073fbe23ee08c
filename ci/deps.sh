#!/usr/bin/env bash
# Install what `make check` and `make demo` need on Debian 12, as root.
# Idempotent and quiet when everything is there: apt-get update runs only when
# something must be installed (or apt cannot resolve the kernel packages).
# Package names come from ci/packages/*.list; kernels from ci/kernels.sh.
set -euo pipefail

cd "$(dirname "$0")/.."

BACKPORTS_LINE="deb http://deb.debian.org/debian bookworm-backports main"
BACKPORTS_FILE=/etc/apt/sources.list.d/xt-pktstat-backports.list

log() { echo "ci/deps.sh: $*" >&2; }


list_packages() {
	local f
	for f in ci/packages/*.list; do
		sed -e 's/#.*//' -e 's/[[:space:]]//g' "$f"
	done | grep -v '^$' | sort -u
}

updated=0
apt_update() {
	((updated)) && return 0
	log "apt-get update"
	apt-get update -qq -o DPkg::Lock::Timeout=600
	updated=1
}

if ! command -v apt-get >/dev/null || [[ ! -r /etc/debian_version ]]; then
	log "not a Debian system: install the packages of ci/packages/*.list and kernels by hand"
	exit 0
fi

# The 6.12 kernel comes from bookworm-backports; a fresh machine lacks the source.
if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	if [[ $(id -u) -ne 0 ]]; then
		log "need root to add bookworm-backports to apt sources"
		exit 1
	fi
	log "adding $BACKPORTS_LINE"
	echo "$BACKPORTS_LINE" >"$BACKPORTS_FILE"
	apt_update
fi

# Kernel package names need apt's lists; fetch them only when unresolvable.
if ! kernel_pkgs=$(ci/kernels.sh packages 2>/dev/null); then
	apt_update
	kernel_pkgs=$(ci/kernels.sh packages)
fi

# One dpkg-query for all: per-package calls cost seconds on every `make check`.
missing() {
	local want have
	want=$( (list_packages; echo "$kernel_pkgs") | sort -u)
	# shellcheck disable=SC2086 # one argument per package
	have=$(dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package}\n' $want 2>/dev/null |
		awk '$1 == "ii" { sub(/:.*/, "", $2); print $2 }' | sort -u)
	comm -23 <(echo "$want") <(echo "$have")
}

todo=$(missing)
[[ -z $todo ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	log "missing packages, run as root: ${todo//$'\n'/ }"
	exit 1
fi

# Fresh lists can name a newer kernel ABI: resolve again after updating.
if ! ((updated)); then
	apt_update
	kernel_pkgs=$(ci/kernels.sh packages)
	todo=$(missing)
	[[ -z $todo ]] && exit 0
fi
log "installing: ${todo//$'\n'/ }"
# INITRD=No: we boot our own initramfs, Debian's would only cost minutes.
# shellcheck disable=SC2086 # word splitting of the package list is wanted
# Lock::Timeout: wait for another apt (unattended-upgrades, a parallel job)
# instead of failing at once.
INITRD=No DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	-o DPkg::Lock::Timeout=600 $todo </dev/null
