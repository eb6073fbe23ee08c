#!/usr/bin/env bash
# Kernel discovery for the build and the VM harness. Nothing here hard-codes a
# version or Debian ABI number: it is read from the installed files or from apt.
#
#   ci/kernels.sh default   kernel to build for by default (make KVER=...)
#   ci/kernels.sh list      kernels `make check` boots: installed image + headers,
#                           newest per series and flavour (6.1 cloud, 6.1 rt, 6.12 cloud)
#   ci/kernels.sh packages  versioned Debian packages that provide those kernels
set -euo pipefail

# Headers trees, newest version first ("sort -V" understands 6.12 > 6.1).
headers_dirs() {
	local d
	for d in /usr/src/linux-headers-*; do
		[[ -f $d/Makefile && -f $d/.config ]] || continue   # skip -common trees
		echo "${d#/usr/src/linux-headers-}"
	done | sort -rV
}

cmd_default() {
	local running cand
	running=$(uname -r)
	if [[ -e /lib/modules/$running/build/Makefile ]]; then
		echo "$running"
		return
	fi
	# A container or CI host usually runs a foreign kernel: prefer the
	# flavour that boots fastest under qemu, then anything.
	cand=$(headers_dirs | grep -- '-cloud-amd64$' | head -n1 || true)
	[[ -n $cand ]] || cand=$(headers_dirs | head -n1 || true)
	if [[ -z $cand ]]; then
		echo "ci/kernels.sh: no kernel headers under /usr/src (run ci/deps.sh)" >&2
		exit 1
	fi
	echo "$cand"
}

# "6.1.0-56-cloud-amd64" -> "6.1 cloud-amd64"; "6.12.95+deb12-rt-amd64" -> "6.12 rt-amd64"
series_flavour() {
	local v=$1 mm flav
	mm=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$v")
	flav=$(sed -E 's/^[0-9.]+(-[0-9]+|\+deb[0-9]+)?-//' <<<"$v")
	echo "$mm $flav"
}

cmd_list() {
	local v seen=" " key
	# Bootable = image present and headers to build the module against.
	while read -r v; do
		[[ -f /boot/vmlinuz-$v ]] || continue
		key=$(series_flavour "$v")
		key=${key// /_}
		# Keep only the newest per series+flavour: an ABI bump must not
		# double the test time by leaving the old kernel in the list.
		[[ $seen == *" $key "* ]] && continue
		seen+="$key "
		echo "$v"
	done < <(headers_dirs)
}

cmd_packages() {
	# bookworm (the candidate, so security updates win), the rt flavour, the
	# backports kernel, and the generic 6.1 headers DESIGN.md names as a build
	# target. One apt-cache call: each costs about a second.
	local metas=(linux-image-cloud-amd64 linux-headers-cloud-amd64
		linux-image-rt-amd64 linux-headers-rt-amd64
		linux-image-cloud-amd64/bookworm-backports
		linux-headers-cloud-amd64/bookworm-backports
		linux-headers-amd64)
	local out n
	# Each metapackage block starts unindented; its first Depends is the
	# versioned package, e.g. linux-image-6.1.0-56-cloud-amd64.
	out=$(apt-cache depends "${metas[@]}" 2>/dev/null |
		awk '/^[^ ]/ { want = 1; next }
		     want && $1 == "Depends:" { print $2; want = 0 }')
	n=$(grep -c . <<<"$out" || true)
	if ((n != ${#metas[@]})); then
		echo "ci/kernels.sh: apt resolved $n of ${#metas[@]} kernel metapackages" \
			"(${metas[*]}); apt-get update? bookworm-backports source?" >&2
		return 1
	fi
	echo "$out"
}

case "${1:-}" in
default) cmd_default ;;
list) cmd_list ;;
packages) cmd_packages ;;
*)
	echo "usage: $0 default|list|packages" >&2
	exit 2
	;;
esac
