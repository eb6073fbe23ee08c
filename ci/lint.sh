#!/usr/bin/env bash
# Static checks, one TAP line each, into build/results/lint.tap:
#   ShellCheck (-S warning) on every shell script, found by its shebang,
#   cppcheck on the userspace C,
#   per kernel: module build with W=1, sparse (C=2), no warning allowed,
#   checkpatch.pl --strict on src/*.c src/*.h.
# Env: KVERS (default: ci/kernels.sh list, plus the generic 6.1 headers).
set -euo pipefail

cd "$(dirname "$0")/.."
results=build/results
out=$results/lint.tap
mkdir -p "$results" build/lint
n=0
fail=0
: >"$out"

# ok|not ok DESC, with the file $3 (if any) as diagnostics.
tap() {
	n=$((n + 1))
	echo "$1 $n - $2" >>"$out"
	if [[ $1 != ok ]]; then
		fail=1
		echo "ci/lint.sh: not ok - $2" >&2
		if [[ -n ${3:-} && -s $3 ]]; then
			head -n 40 "$3" | sed 's/^/#   /' >>"$out"
			head -n 40 "$3" | sed 's/^/    /' >&2
		fi
	fi
}
check() { # DESC LOG -- command...: ok when the command succeeds
	local desc=$1 log=$2
	shift 3
	if "$@" >"$log" 2>&1; then tap ok "$desc"; else tap "not ok" "$desc" "$log"; fi
}

# --- shell scripts ------------------------------------------------------------
# Every tracked or new file whose shebang names a shell (bats included).
mapfile -t scripts < <(git ls-files -co --exclude-standard -- . ':!build' |
	while read -r f; do
		[[ -f $f ]] || continue
		IFS= read -r first <"$f" || true
		[[ $first =~ ^#!.*[/\ ](ba|da)?sh([[:space:]]|$) || $first =~ ^#!.*bats ]] && echo "$f"
	done)
for f in "${scripts[@]}"; do
	check "shellcheck $f" build/lint/shellcheck.log -- shellcheck -x -S warning "$f"
done

# --- userspace C ----------------------------------------------------------------
for d in iptables tools tests/tools tests/unit; do
	mapfile -t cfiles < <(find "$d" -name '*.c' -not -path '*/build/*' 2>/dev/null | sort)
	((${#cfiles[@]})) || continue
	check "cppcheck $d" build/lint/cppcheck.log -- \
		cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--inline-suppr --std=c11 -D_GNU_SOURCE -I src/include/uapi -I src \
		--suppress=missingIncludeSystem "${cfiles[@]}"
done

# --- the module, per kernel ------------------------------------------------------
# Noise kbuild prints for every external module on Debian headers.
NOISE='Skipping BTF generation|^make\[[0-9]+\]: (Entering|Leaving) directory'
warnings_in() { grep -E -v "$NOISE" "$1" | grep -E -i 'warning|error' >"$1.bad"; }

read -r -a kvers <<<"${KVERS:-$(ci/kernels.sh list | tr '\n' ' ')}"
# The generic 6.1 headers (linux-headers-amd64) are a build target too.
for d in /usr/src/linux-headers-*-amd64; do
	v=${d#/usr/src/linux-headers-}
	[[ -f $d/Makefile && " ${kvers[*]} " != *" $v "* && -z ${KVERS:-} ]] && kvers+=("$v")
done
# One build per kernel with both W=1 and sparse (C=2): the probes make a
# build cost a minute on a busy box. It lands in build/mod/KVER, where
# ci/vm-test.sh picks it up instead of building again.
for kver in "${kvers[@]}"; do
	log=build/lint/build-$kver.log
	if ci/build-module.sh "$kver" W=1 C=2 >"$log" 2>&1; then
		if warnings_in "$log"; then
			tap "not ok" "W=1 and sparse (C=2) build without warnings for $kver" "$log.bad"
		else
			tap ok "W=1 and sparse (C=2) build without warnings for $kver"
		fi
	else
		tap "not ok" "W=1 and sparse (C=2) build for $kver" "$log"
	fi
done

# --- checkpatch ----------------------------------------------------------------
cp_dir=build/checkpatch
if [[ ! -x $cp_dir/scripts/checkpatch.pl ]]; then
	src_tar=$(find /usr/src -maxdepth 1 -name 'linux-source-*.tar.xz' | sort -V | tail -n1)
	if [[ -n $src_tar ]]; then
		mkdir -p "$cp_dir"
		top=$(basename "$src_tar" .tar.xz)
		# Only the three files checkpatch reads; the tarball is ~140 MB.
		tar -xJf "$src_tar" -C "$cp_dir" --strip-components=1 \
			"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
			"$top/scripts/const_structs.checkpatch"
	fi
fi
if [[ -x $cp_dir/scripts/checkpatch.pl ]]; then
	# Our sources only: generated files (*.mod.c, config.h) are gitignored.
	mapfile -t srcs < <(git ls-files -co --exclude-standard -- 'src/*.c' 'src/*.h' | grep -v '^src/probes/')
	for f in "${srcs[@]}"; do
		[[ -f $f ]] || continue
		check "checkpatch --strict $f" build/lint/checkpatch.log -- \
			"$cp_dir/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
			--no-summary --file "$f"
	done
else
	tap "not ok" "checkpatch.pl available (linux-source-6.1 installed?)"
fi

echo "1..$n" >>"$out"
exit "$fail"
