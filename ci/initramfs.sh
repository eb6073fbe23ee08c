#!/usr/bin/env bash
# Build the VM's initramfs for one kernel:
#
#   ci/initramfs.sh KVER OUT [GUEST_SCRIPT]
#
# GUEST_SCRIPT (default ci/guest/run-tests.sh) is what /init runs once the
# system is up. OUT is three concatenated gzip'd cpio archives (the kernel
# unpacks them in turn, later files win):
#   1. userspace (busybox, bash, bats, iptables, ip, kmod, ...): cached
#   2. the kernel's own modules for KVER: cached
#   3. this build: xt_pktstat.ko (+ depmod indexes), the extension, udpsend,
#      pktstat-collect, the suites, the guest scripts: rebuilt every time
# Caches live in build/initramfs/, keyed on this script, the lists and the
# host files they copy, so an apt upgrade rebuilds them.
#
# Forks are slow on a loaded CI box (tens of ms), so paths are resolved and
# copied in batches, never one process per file.
#
# Env: MODULE_KO (default build/mod/KVER/xt_pktstat.ko), REQUIRE_EXTENSION=1
# to fail when iptables/libxt_pktstat.so is missing; passed to the guest:
# PKTSTAT_SUITES (glob of tests/vm suite names, default *),
# PKTSTAT_T_TESTS (0 skips the extension's .t table), PKTSTAT_T_BINS
# (iptables binaries to run it with, default all four), SUITE_TIMEOUT
# (seconds per stream, default 600).
set -euo pipefail

cd "$(dirname "$0")/.."
kver=${1:?usage: ci/initramfs.sh KVER OUT [GUEST_SCRIPT]}
out=${2:?usage: ci/initramfs.sh KVER OUT [GUEST_SCRIPT]}
guest_script=${3:-ci/guest/run-tests.sh}
module_ko=${MODULE_KO:-build/mod/$kver/xt_pktstat.ko}
cache=build/initramfs
XTLIB=/usr/lib/x86_64-linux-gnu/xtables

die() {
	echo "ci/initramfs.sh: $*" >&2
	exit 1
}

moddir=$(realpath -m "/lib/modules/$kver")   # /usr/lib/modules/... on merged /usr
[[ -d $moddir/kernel ]] || die "no modules for $kver in $moddir (ci/deps.sh)"
[[ -f $module_ko ]] || die "$module_ko missing (ci/build-module.sh $kver)"
[[ -f $guest_script ]] || die "$guest_script missing"
mkdir -p "$cache" "$(dirname "$out")"
# Guests for several kernels are packed side by side; the cached layers are
# shared (layer 1) or share a directory: build them one at a time.
exec 9>"$cache/.lock"
flock 9

# --- helpers -----------------------------------------------------------------

# Pack directory $1 into gzip'd newc cpio $2, sorted so parents come first.
pack() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$2.tmp"
	mv "$2.tmp" "$2"
}

# Print the closure of the given host paths: each path with its directories
# canonicalised (/lib/x -> /usr/lib/x), and for a symlink also its target,
# recursively, so the guest gets the same link chains as the host
# (/usr/lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...).
closure() {
	local -A seen=()
	local pending=("$@") dirs=() cdirs=() canon=() next=() i p t
	while ((${#pending[@]})); do
		dirs=()
		for p in "${pending[@]}"; do
			p=${p%/*}
			dirs+=("${p:-/}")
		done
		mapfile -t cdirs < <(realpath -m -- "${dirs[@]}")
		canon=()
		for i in "${!pending[@]}"; do
			p=${cdirs[i]%/}/${pending[i]##*/}
			[[ -n ${seen[$p]:-} ]] && continue
			seen[$p]=1
			canon+=("$p")
			printf '%s\n' "$p"
		done
		next=()
		((${#canon[@]})) || break
		while IFS=$'\t' read -r p t; do
			[[ $t == /* ]] || t=${p%/*}/$t
			next+=("$t")
		done < <(find "${canon[@]}" -maxdepth 0 -type l -printf '%p\t%l\n')
		pending=("${next[@]}")
	done
}

# Libraries the given ELF files need (ldd prints nothing useful for static ones).
libs_of() {
	{ ldd "$@" 2>/dev/null || true; } |
		awk '/=> \// { print $3 } /^[[:space:]]+\// { print $1 }' | sort -u
}

# Copy host paths (closure output) into root $1, links as links.
copy_into() {
	local root=$1
	shift
	(($#)) || return 0
	cp -d --parents --remove-destination -t "$root" -- "$@"
}

# --- layer 1: userspace ------------------------------------------------------
mapfile -t listed < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' ci/initramfs-lists/*.list | grep -v '^$')
files=()
for pat in "${listed[@]}"; do
	# shellcheck disable=SC2206 # the glob in a list line must expand
	exp=($pat)
	for f in "${exp[@]}"; do
		[[ -e $f ]] && files+=("$f")
	done
done
key=$( { cat "$0" ci/initramfs-lists/*.list
	stat -L -c '%n %s %Y' "${files[@]}"
	ls -l --time-style=+%s /usr/lib/x86_64-linux-gnu/; } | sha256sum | cut -c1-16)
base=$cache/base-$key.cpio.gz
if [[ ! -f $base ]]; then
	echo "ci/initramfs.sh: building userspace layer ($base)" >&2
	rm -f "$cache"/base-*.cpio.gz
	root=$cache/base-root
	rm -rf "$root"
	mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,dev,proc,sys,run,tmp,var/tmp,var/lib/logrotate,var/log,etc,root,mnt,opt}
	# Debian's merged /usr, so host paths and library paths work unchanged.
	for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
	chmod 1777 "$root/tmp" "$root/var/tmp"

	# Directories in the lists are copied whole.
	mapfile -t all < <(find "${files[@]}" \( -type f -o -type l \) -print)
	mapfile -t elfs < <(find "${all[@]}" -maxdepth 0 -type f -perm /111 -print; printf '%s\n' "${all[@]}" | grep '\.so' || true)
	mapfile -t libs < <(libs_of "${elfs[@]}")
	mapfile -t paths < <(closure "${all[@]}" "${libs[@]}" | LC_ALL=C sort -u)
	copy_into "$root" "${paths[@]}"
	# Busybox applets are linked by /init at boot (busybox --install -s keeps
	# what exists, so the real bash, ip, kmod win).
	cp /bin/busybox "$root/usr/bin/busybox"
	ln -s busybox "$root/usr/bin/sh"

	# iptables front-end names, as Debian's package creates them; plain
	# names point at nft, Debian's default alternative.
	for fam in iptables ip6tables; do
		for sfx in "" -save -restore; do
			ln -sf xtables-legacy-multi "$root/usr/sbin/$fam-legacy$sfx"
			ln -sf xtables-nft-multi "$root/usr/sbin/$fam-nft$sfx"
			ln -sf xtables-nft-multi "$root/usr/sbin/$fam$sfx"
		done
	done
	for t in modprobe insmod rmmod lsmod modinfo depmod; do
		ln -sf /usr/bin/kmod "$root/usr/sbin/$t"
	done

	# Users and groups iptables/logrotate and the tests may name.
	printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
	printf 'root:x:0:\nadm:x:4:\nnogroup:x:65534:\n' >"$root/etc/group"
	echo pktstat-vm >"$root/etc/hostname"
	ln -s /proc/mounts "$root/etc/mtab"
	pack "$root" "$base"
	rm -rf "$root"
fi

# --- layer 2: the kernel's modules -------------------------------------------
kkey=$( { cat "$0"; stat -L -c '%n %s %Y' "$moddir/modules.order" "/boot/vmlinuz-$kver"; } |
	sha256sum | cut -c1-16)
kmods=$cache/kmods-$kver-$kkey.cpio.gz
kroot=$cache/kmods-root-$kver
if [[ ! -f $kmods || ! -d $kroot ]]; then
	echo "ci/initramfs.sh: building kernel module layer ($kmods)" >&2
	rm -f "$cache/kmods-$kver-"*.cpio.gz
	rm -rf "$kroot"
	mkdir -p "$kroot$moddir"
	# All of netfilter plus the virtual devices the suites use: suites may
	# need matches we do not foresee, and it costs only a few MB.
	mapfile -t mods < <(find "$moddir/kernel/net/netfilter" "$moddir/kernel/net/ipv4/netfilter" \
		"$moddir/kernel/net/ipv6/netfilter" "$moddir/kernel/drivers/net" -name '*.ko*' \
		-printf '%f\n' 2>/dev/null | grep -E -v '^(virtio|xen|hyperv|ena|gve|mlx|vmxnet)' |
		sed 's/\.ko.*//' | sort -u)
	mods=("${mods[@]//-/_}")
	# --show-depends resolves dependencies: one "insmod <path>" line each.
	mapfile -t kos < <(modprobe -S "$kver" --show-depends -a "${mods[@]}" 2>/dev/null |
		awk '$1 == "insmod" { sub("^/lib/", "/usr/lib/", $2); print $2 }' | sort -u)
	copy_into "$kroot" "${kos[@]}"
	cp "$moddir"/modules.order "$moddir"/modules.builtin* "$kroot$moddir"/
	# depmod looks under <base>/lib/modules: give it the merged /usr link.
	ln -s usr/lib "$kroot/lib"
	depmod -b "$kroot" "$kver"
	rm "$kroot/lib"
	pack "$kroot" "$kmods"
fi

# --- layer 3: this build -----------------------------------------------------
proot=$(mktemp -d "$cache/proj-root.XXXXXX")
# Its archive is named after it: two runs for one kernel (the VM suites
# and the bench) may pack side by side.
trap 'rm -rf "$proot" "$proot.cpio.gz"' EXIT

# Our module goes to extra/ and depmod runs over a hard-linked copy of layer
# 2, so `modprobe xt_pktstat` and the kernel's autoload (iptables asks for
# "xt_pktstat" via request_module) find it. Only the indexes and extra/ are
# packed: the rest is already in layer 2.
dtmp=$proot/.depmod
cp -al "$kroot" "$dtmp"
# The rest is this run's own.
flock -u 9
mkdir -p "$dtmp$moddir/extra" "$proot$moddir"
cp "$module_ko" "$dtmp$moddir/extra/"
ln -s usr/lib "$dtmp/lib"
depmod -b "$dtmp" "$kver"
cp -r "$dtmp$moddir/extra" "$dtmp$moddir"/modules.* "$proot$moddir/"
rm -rf "$dtmp"

if [[ -f iptables/libxt_pktstat.so ]]; then
	mkdir -p "$proot$XTLIB"
	cp iptables/libxt_pktstat.so "$proot$XTLIB/"
elif [[ ${REQUIRE_EXTENSION:-0} == 1 ]]; then
	die "iptables/libxt_pktstat.so missing (make -C iptables)"
else
	echo "ci/initramfs.sh: WARNING: no iptables/libxt_pktstat.so, the VM has no -m pktstat" >&2
fi

# Sources the suites may read (tests/, tools/ files, the .t table), under
# /opt/pktstat with the repo layout; helper programs in /opt/pktstat/bin.
mkdir -p "$proot/opt/pktstat/bin" "$proot/opt/pktstat/iptables" "$proot/opt/pktstat/ci"
# Build outputs stay out: they are big and the suites use the installed copies.
dirs=(tests)
[[ -d tools ]] && dirs+=(tools)
tar -cf - --exclude=build --exclude='*.o' --exclude='*.a' --exclude='*.d' "${dirs[@]}" |
	tar -C "$proot/opt/pktstat" -xf -
cp -r ci/guest "$proot/opt/pktstat/ci/"
for f in iptables/libxt_pktstat.t iptables/run-t-tests.sh; do
	[[ -f $f ]] && cp "$f" "$proot/opt/pktstat/iptables/"
done
for t in udpsend uffdread tcpbulk; do
	[[ -x tests/tools/$t ]] || die "tests/tools/$t missing (make -C tests/tools)"
	cp "tests/tools/$t" "$proot/opt/pktstat/bin/"
done
# The test-only raw extension (no checks of its own) goes in its own
# XTABLES_LIBDIR under the real name, $RAW_XTLIB in the guest.
if [[ -f tests/tools/libxt_pktstat_raw.so ]]; then
	mkdir -p "$proot/opt/pktstat/rawxt"
	cp tests/tools/libxt_pktstat_raw.so "$proot/opt/pktstat/rawxt/libxt_pktstat.so"
fi
for tool in pktstat-collect pktstat-top; do
	[[ -x tools/$tool ]] || continue
	cp "tools/$tool" "$proot/opt/pktstat/bin/"
	# Its libraries, unless layer 1 has them already (libc does).
	mapfile -t libs < <(libs_of "tools/$tool" | grep -v -E '/(libc\.so|ld-linux)' || true)
	if ((${#libs[@]})); then
		mapfile -t paths < <(closure "${libs[@]}")
		copy_into "$proot" "${paths[@]}"
	fi
done

cp ci/guest/init "$proot/init"
mkdir -p "$proot/etc/pktstat-ci"
cp "$guest_script" "$proot/etc/pktstat-ci/main"
chmod 755 "$proot/init" "$proot/etc/pktstat-ci/main"
echo "$kver" >"$proot/etc/pktstat-ci/kver"
# Host settings the guest scripts honour (quoted for sourcing).
{
	printf 'export PKTSTAT_SUITES=%q\n' "${PKTSTAT_SUITES:-*}"
	printf 'export SUITE_TIMEOUT=%q\n' "${SUITE_TIMEOUT:-600}"
	printf 'export PKTSTAT_T_TESTS=%q\n' "${PKTSTAT_T_TESTS:-1}"
	printf 'export PKTSTAT_T_BINS=%q\n' "${PKTSTAT_T_BINS:-iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft}"
} >"$proot/etc/pktstat-ci/env"

pack "$proot" "$proot.cpio.gz"
cat "$base" "$kmods" "$proot.cpio.gz" >"$out.tmp"
mv "$out.tmp" "$out"
