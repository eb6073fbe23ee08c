#!/usr/bin/env bash
# Install what `make check` and `make demo` need on Debian 12, as root.
# Idempotent and quiet when everything is there: apt-get update runs only when
# something must be installed (or apt cannot resolve the kernel packages).
# Package names come from ci/packages/*.list; kernels from ci/kernels.sh.
#
#   ci/deps.sh [GROUP...]
#
# A list with a line "# deps-group: NAME" is installed only when NAME is
# asked for (e.g. `ci/deps.sh bench` from ci/bench.sh): what only the
# benchmarks need must not slow down or break `make check`.
set -euo pipefail

cd "$(dirname "$0")/.."

BACKPORTS_LINE="deb http://deb.debian.org/debian bookworm-backports main"
BACKPORTS_FILE=/etc/apt/sources.list.d/xt-pktstat-backports.list

log() { echo "ci/deps.sh: $*" >&2; }


groups=" $* "
list_packages() {
	local f g
	for f in ci/packages/*.list; do
		g=$(sed -n 's/^#[[:space:]]*deps-group:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$f" | head -n1)
		[[ -z $g || $groups == *" $g "* ]] || continue
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

wanted=$(missing)
[[ -z $wanted ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	log "missing packages, run as root: ${wanted//$'\n'/ }"
	exit 1
fi

# Fresh lists can name a newer kernel ABI: resolve again after updating.
if ! ((updated)); then
	apt_update
	kernel_pkgs=$(ci/kernels.sh packages)
	wanted=$(missing)
	[[ -z $wanted ]] && exit 0
fi
log "installing: ${wanted//$'\n'/ }"
# INITRD=No: we boot our own initramfs, Debian's would only cost minutes.
# shellcheck disable=SC2086 # word splitting of the package list is wanted
# Lock::Timeout waits for another apt's dpkg lock, but not for its download
# lock: retry a few times before giving up.
for try in 1 2 3 4 5 6; do
	INITRD=No DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=600 $wanted </dev/null && exit 0
	((try < 6)) || break
	log "apt-get install failed (another apt running?), retrying in 30 s"
	sleep 30
done
exit 1
