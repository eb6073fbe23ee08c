#!/usr/bin/env bash
# Build xt_pktstat.ko for one kernel in its own copy of src/, so builds for
# several kernels (and lint builds) never share objects.
#
#   ci/build-module.sh KVER [make args...]   -> build/mod/KVER/xt_pktstat.ko
#
# Without make args an up-to-date build (same sources, same headers) is
# reused: ci/lint.sh builds with W=1 C=2 first and ci/vm-test.sh then boots
# that very module instead of compiling it again (the flags only add checks).
# Env: MODSRC (default src), MODOUT (default build/mod/KVER).
set -euo pipefail

cd "$(dirname "$0")/.."
kver=${1:?usage: ci/build-module.sh KVER [make args...]}
shift
src=${MODSRC:-src}
out=${MODOUT:-build/mod/$kver}
kdir=/usr/src/linux-headers-$kver
[[ -e $kdir/Makefile ]] || kdir=/lib/modules/$kver/build

if [[ ! -f $src/Makefile ]]; then
	echo "ci/build-module.sh: $src/Makefile missing: nothing to build" >&2
	exit 1
fi
if [[ ! -e $kdir/Makefile ]]; then
	echo "ci/build-module.sh: no headers for $kver (run ci/deps.sh)" >&2
	exit 1
fi

# Sources only: objects or a config.h from an in-tree build must not leak in.
EXCLUDES=(--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c'
	--exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order
	--exclude=config.h --exclude=.tmp_versions --exclude='*.tmp')
# One build per output directory at a time: ci/check.sh runs kernels (and
# the bench) side by side, and two of them may ask for the same kernel.
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
stamp=$( { tar -C "$src" -cf - --sort=name --mtime=@0 "${EXCLUDES[@]}" . | sha256sum
	stat -L -c '%n %s %Y' "$kdir/.config" "$kdir/Module.symvers"; } | sha256sum | cut -c1-32)
if (($# == 0)) && [[ -f $out/xt_pktstat.ko && $(cat "$out/.ci-stamp" 2>/dev/null) == "$stamp" ]]; then
	echo "ci/build-module.sh: $out/xt_pktstat.ko is up to date" >&2
	exit 0
fi

# A fresh copy each time: stale objects from another kernel or another W=
# level would hide warnings or mix vermagics.
rm -rf "$out"
mkdir -p "$out"
tar -C "$src" -cf - "${EXCLUDES[@]}" . | tar -C "$out" -xf -
if ! make -s -C "$out" KDIR="$kdir" PKTSTAT_VERSION="$(make -s print-version)" "$@"; then
	echo "ci/build-module.sh: module build FAILED for $kver" >&2
	exit 1
fi
if [[ ! -f $out/xt_pktstat.ko ]]; then
	echo "ci/build-module.sh: $out/xt_pktstat.ko not produced for $kver" >&2
	exit 1
fi
# The module must carry the vermagic of the kernel it will be loaded into.
vm=$(/sbin/modinfo -F vermagic "$out/xt_pktstat.ko")
if [[ $vm != "$kver "* ]]; then
	echo "ci/build-module.sh: vermagic '$vm' does not match $kver" >&2
	exit 1
fi
echo "$stamp" >"$out/.ci-stamp"
