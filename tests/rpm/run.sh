#!/usr/bin/env bash
# Proof of the RPM packaging on this Debian machine, as TAP on stdout:
#   build     make rpm (rpmlint inside), digests, goldens of each RPM
#   repo      createrepo_c, dnf reads it, dnf --installroot says exactly
#             what only a Fedora/RHEL repository can provide
#   payload   rpm --root --nodeps --noscripts: every file lands; erase
#   dkms      the scriptlets for real in the cached bookworm root of
#             tests/pkg (chroot): %post builds with DKMS, an upgrade
#             replaces the DKMS version, a reinstall keeps it, erase removes
#   vm        (RPM_TEST_VM=1) boot that root with tests/pkg/vm.sh: the
#             RPM-installed module loads and counts
#
#   RPM_REUSE=1          reuse build/rpm and build/rpm-next if present
#   RPM_TEST_UPDATE=1    rewrite the goldens from the packages
#   RPM_TEST_VM=1        also boot the root (minutes under TCG)
# Exit status: non-zero when a test failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"

out=$top/build/rpm
next_out=$top/build/rpm-next
work=$top/build/rpm-test
golden=$here/golden
version=$(make -s --no-print-directory KVER=none print-version)
# The next version, for the upgrade: same major.minor, patch + 1.
next=${version%.*}.$((${version##*.} + 1))
pkgs=(xt_pktstat dkms-xt_pktstat pktstat-collect)

n=0
failed=0
log=$work/log
mkdir -p "$work"
: >"$log"
start=$(date +%s)

# run_test NAME CMD...: one TAP line; the command's output goes to the log
# and, on failure, to stdout as TAP comments.
run_test() {
	local name=$1 t0 rc=0
	shift
	n=$((n + 1))
	t0=$(date +%s)
	echo "### $n - $name" >>"$log"
	# In the background: a function called where its status is tested
	# (cmd || ...) runs with set -e off; an async job keeps it on.
	"$@" >"$work/out" 2>&1 </dev/null &
	wait $! || rc=$?
	cat "$work/out" >>"$log"
	if [[ $rc == 0 ]]; then
		echo "ok $n - $name ($(($(date +%s) - t0))s)"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		sed 's/^/# /' "$work/out" | tail -n 40
	fi
}

skip_test() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

rpm_of() { echo "$out/$1-$version-1.$2.rpm"; }

# Debian's rpm keeps its database in ~/.rpmdb; a root gets Fedora's place.
# --force-debian: silence its "use alien" nag, we know what we are doing.
rpmr() { rpm --force-debian --dbpath /var/lib/rpm "$@"; }

# What goes into a golden: the version becomes @VERSION@ and build-ids
# (a hash of the binary) become @BUILDID@, so neither churns the files.
describe() {
	local q
	for q in requires recommends provides scripts list; do
		echo "## --$q"
		rpm -qp "--$q" "$1"
	done |
		sed -e "s/${version//./\\.}/@VERSION@/g" \
			-e 's|/\.build-id/[0-9a-f]\{2\}/[0-9a-f]*|/.build-id/@BUILDID@|; s|/\.build-id/[0-9a-f]\{2\}$|/.build-id/@BUILDID@|'
}

# ---------------------------------------------------------------- build
build() {
	if [[ ${RPM_REUSE:-0} == 1 && -f $(rpm_of dkms-xt_pktstat noarch) ]]; then
		echo "reusing $out"
		make --no-print-directory rpm-lint
	else
		make --no-print-directory rpm
	fi
	ls "$out"
	[[ -f $out/xt_pktstat-$version-1.src.rpm ]]
	[[ -f $(rpm_of xt_pktstat x86_64) && -f $(rpm_of pktstat-collect x86_64) ]]
	[[ -f $(rpm_of dkms-xt_pktstat noarch) ]]
}

digests() {
	# No signature (local build): -K checks the header and payload digests.
	rpm -K --nosignature "$out"/*.rpm
}

check_golden() {
	local rpmfile=$1 name=$2
	describe "$rpmfile" >"$work/$name.txt"
	if [[ ${RPM_TEST_UPDATE:-0} == 1 ]]; then
		mkdir -p "$golden"
		cp "$work/$name.txt" "$golden/$name.txt"
	fi
	diff -u "$golden/$name.txt" "$work/$name.txt"
}

# The version must be the Makefile's everywhere, also inside the payload.
versions_agree() {
	local v
	for f in "$out"/*.rpm; do
		v=$(rpm -qp --qf '%{VERSION}' "$f")
		echo "$f: $v"
		[[ $v == "$version" ]]
	done
	rpm2cpio "$(rpm_of dkms-xt_pktstat noarch)" |
		cpio -i --quiet --to-stdout "./usr/src/xt-pktstat-$version/dkms.conf" |
		grep -x "PACKAGE_VERSION=\"$version\""
}

# ----------------------------------------------------------------- repo
repo=$work/repo
make_repo() {
	rm -rf "$repo"
	mkdir -p "$repo"
	cp "$out"/*.rpm "$repo/"
	createrepo_c --quiet "$repo"
	[[ -f $repo/repodata/repomd.xml ]]
}

# dnf with the local repository only, nothing from this machine.
dnf_local() {
	local root=$1
	shift
	dnf -y -q --installroot="$root" --releasever=0 --disablerepo='*' \
		--repofrompath="xtlocal,file://$repo" --enablerepo=xtlocal \
		--setopt=xtlocal.gpgcheck=0 --setopt=install_weak_deps=False \
		--setopt=reposdir=/dev/null --setopt=cachedir="$root/cache" \
		--setopt=logdir="$root" --setopt=persistdir="$root/persist" "$@"
}

dnf_sees_repo() {
	local root=$work/dnf-q
	rm -rf "$root"
	mkdir -p "$root"
	dnf_local "$root" repoquery --qf '%{name}-%{version}-%{release}.%{arch}' |
		LC_ALL=C sort >"$work/repoquery.txt"
	cat "$work/repoquery.txt"
	diff -u <(printf '%s\n' "dkms-xt_pktstat-$version-1.noarch" \
			"pktstat-collect-$version-1.x86_64" "xt_pktstat-$version-1.src" \
			"xt_pktstat-$version-1.x86_64" | LC_ALL=C sort) "$work/repoquery.txt"
}

# A bare installroot has no distribution: dnf must refuse, only for want
# of what a Fedora/RHEL repository provides. That set, every requirement
# of our binary packages that none of them satisfies, is the golden list
# (dnf itself names only some of them per problem).
dnf_unresolved() {
	local root=$work/dnf-root rc=0
	rm -rf "$root"
	mkdir -p "$root"
	dnf_local "$root" install "${pkgs[@]}" >"$work/dnf.out" 2>&1 || rc=$?
	cat "$work/dnf.out"
	[[ $rc != 0 ]]
	grep -o 'nothing provides .* needed by [^ ]*' "$work/dnf.out" |
		sed -e 's/^nothing provides //' -e 's/ needed by .*//' |
		LC_ALL=C sort -u >"$work/dnf-named.txt"
	[[ -s $work/dnf-named.txt ]]
	# rpm, not dnf repoquery, for the set: repoquery folds versioned sonames.
	rpm -qp --requires "$repo"/*.x86_64.rpm "$repo"/*.noarch.rpm |
		grep -v '^rpmlib(' | LC_ALL=C sort -u >"$work/requires.txt"
	rpm -qp --provides --list "$repo"/*.x86_64.rpm "$repo"/*.noarch.rpm |
		LC_ALL=C sort -u >"$work/provided.txt"
	LC_ALL=C comm -23 "$work/requires.txt" "$work/provided.txt" |
		sed "s/${version//./\\.}/@VERSION@/g" >"$work/dnf-unresolved.txt"
	echo "unresolved:"
	cat "$work/dnf-unresolved.txt"
	# What dnf named is part of that set.
	if LC_ALL=C comm -23 "$work/dnf-named.txt" "$work/requires.txt" | grep .; then
		return 1
	fi
	if [[ ${RPM_TEST_UPDATE:-0} == 1 ]]; then
		cp "$work/dnf-unresolved.txt" "$golden/dnf-unresolved.txt"
	fi
	diff -u "$golden/dnf-unresolved.txt" "$work/dnf-unresolved.txt"
}

# ------------------------------------------------------------- payload
# Every file of every package lands where rpm -ql says (no scripts, no
# dependencies: the root has no distribution), rpm -V agrees, erase
# leaves nothing.
payload() {
	local root=$work/rpm-root f missing=0
	rm -rf "$root"
	mkdir -p "$root"
	rpmr --root "$root" --nodeps --noscripts -i "$repo"/*.x86_64.rpm "$repo"/*.noarch.rpm
	rpmr --root "$root" -qa | LC_ALL=C sort
	for p in "${pkgs[@]}"; do
		while read -r f; do
			# %ghost files are the scriptlets' to create.
			[[ -e $root$f || -L $root$f ]] || { echo "missing: $f"; missing=1; }
		done < <(rpmr --root "$root" -q --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$p" |
			awk '$1 !~ /g/ { print $NF }')
	done
	[[ $missing == 0 ]]
	# Only the %ghost modprobe.d file may be reported (missing).
	if rpmr --root "$root" -V "${pkgs[@]}" | grep -v 'xt-pktstat-collect\.conf$'; then
		return 1
	fi
	rpmr --root "$root" --nodeps --noscripts -e "${pkgs[@]}"
	[[ -z $(rpmr --root "$root" -qa) ]]
	if find "$root" \( -path "$root/var/lib/rpm*" -o -path "$root/usr/lib/sysimage" \) \
		-prune -o -type f -print | grep .; then
		return 1
	fi
}

# ---------------------------------------------------------- dkms (chroot)
# The bookworm root of tests/pkg (dkms, 6.1 headers), under an overlay of
# our own so the Debian tests' root is never touched.
R=$work/root
dkms_root_up() {
	# shellcheck disable=SC1091 # tests/pkg/lib.sh, linted with tests/pkg
	. "$top/tests/pkg/lib.sh"
	local base
	base=$("$top/tests/pkg/mkroot.sh")
	dkms_root_down
	rm -rf "$work/upper" "$work/ovl-work"
	mkdir -p "$work/upper" "$work/ovl-work" "$R"
	mount -t overlay overlay \
		-o "lowerdir=$base,upperdir=$work/upper,workdir=$work/ovl-work" "$R"
	root_mount "$R"
	root_kernels "$R"
	echo "root: $base, kernel $K61"
}

dkms_root_down() {
	[[ -d $R ]] || return 0
	if declare -F root_umount >/dev/null; then root_umount "$R"; fi
	if mountpoint -q "$R"; then umount "$R" || umount -l "$R"; fi
}

# The host's rpm, with --root: the scriptlets run chrooted in the root,
# with its sh, its dkms and its kernel headers, as on an installed system.
root_rpm() { rpmr --root "$R" "$@"; }

dkms_in_root() { in_root "$R" dkms status -m xt-pktstat; }

dkms_install() {
	local t0
	root_files "$R" >"$work/files-before"
	t0=$(date +%s)
	root_rpm -i --nodeps "$(rpm_of dkms-xt_pktstat noarch)"
	echo "# rpm -i (DKMS build): $(($(date +%s) - t0))s"
	dkms_in_root | tee "$work/dkms-status"
	grep -qx "xt-pktstat/$version, $K61, x86_64: installed" "$work/dkms-status"
	[[ -f $R/lib/modules/$K61/updates/dkms/xt_pktstat.ko ]]
	in_root "$R" modinfo -k "$K61" -F vermagic xt_pktstat | grep -q "^$K61 "
}

# Upgrade: the new %post removes the old DKMS version (its files are
# still there), the old %preun ($1 = 1) leaves the new one alone.
dkms_upgrade() {
	root_rpm -U --nodeps "$next_out/dkms-xt_pktstat-$next-1.noarch.rpm"
	dkms_in_root | tee "$work/dkms-status"
	grep -qx "xt-pktstat/$next, $K61, x86_64: installed" "$work/dkms-status"
	if grep "xt-pktstat/${version}[,:]" "$work/dkms-status"; then return 1; fi
	[[ ! -e $R/usr/src/xt-pktstat-$version && ! -e $R/var/lib/dkms/xt-pktstat/$version ]]
	in_root "$R" modinfo -k "$K61" -F version xt_pktstat || true
	[[ -f $R/lib/modules/$K61/updates/dkms/xt_pktstat.ko ]]
}

# Same version again (a release rebuild): common.postinst re-adds it, the
# old %preun must not remove what the new %post just built.
dkms_reinstall() {
	root_rpm -U --nodeps --replacepkgs "$next_out/dkms-xt_pktstat-$next-1.noarch.rpm"
	dkms_in_root | tee "$work/dkms-status"
	grep -qx "xt-pktstat/$next, $K61, x86_64: installed" "$work/dkms-status"
	[[ -f $R/lib/modules/$K61/updates/dkms/xt_pktstat.ko ]]
}

# Erase: no module, no DKMS tree, no source, nothing else of ours.
dkms_erase() {
	root_rpm -e --nodeps dkms-xt_pktstat
	[[ -z $(dkms_in_root) ]]
	[[ ! -e $R/lib/modules/$K61/updates/dkms/xt_pktstat.ko ]]
	[[ ! -e $R/var/lib/dkms/xt-pktstat ]]
	if compgen -G "$R/usr/src/xt-pktstat-*"; then return 1; fi
	root_files "$R" >"$work/files-after"
	# rpm's own database is new in this root; depmod rewrites its files.
	diff <(grep -v -e '^\./var/lib/rpm' -e '^\./usr/lib/sysimage/rpm' \
		-e "^\./var/lib/dkms\$" "$work/files-before") \
		<(grep -v -e '^\./var/lib/rpm' -e '^\./usr/lib/sysimage/rpm' \
			-e "^\./var/lib/dkms\$" "$work/files-after")
}

# --------------------------------------------------------------- vm
# The Debian engineer's harness boots the root with its own kernel and
# runs its guest "count" suite: our DKMS module must load and count. The
# extension comes from our xt_pktstat RPM; Debian's iptables looks for it
# in the multiarch directory, hence the link.
vm_count() {
	root_rpm -i --nodeps "$(rpm_of dkms-xt_pktstat noarch)" "$(rpm_of xt_pktstat x86_64)"
	ln -sf /usr/lib64/xtables/libxt_pktstat.so \
		"$R/usr/lib/x86_64-linux-gnu/xtables/libxt_pktstat.so"
	root_umount "$R"
	PKG_BUILD=$work PKG_ROOT=$R "$top/tests/pkg/vm.sh" image
	PKG_BUILD=$work PKG_ROOT=$R "$top/tests/pkg/vm.sh" boot "$K61" \
		"xtpkt.suites=count xtpkt.version=$version xtpkt.k61=$K61" | tee "$work/vm.tap"
	grep -q 'XTPKT-END rc=0' "$work/vm.tap"
	if grep '^not ok' "$work/vm.tap"; then return 1; fi
}

# ---------------------------------------------------------------- main
dkms_cycle() {
	dkms_upgrade
	dkms_reinstall
	dkms_erase
}

planned=14
[[ ${RPM_TEST_VM:-0} == 1 ]] && planned=15
echo "1..$planned"

run_test "make rpm: SRPM and three binary RPMs in build/rpm, rpmlint --strict clean" build
if [[ ! -f $(rpm_of dkms-xt_pktstat noarch) ]]; then
	echo "# no packages: nothing else can be tested"
	exit 1
fi
run_test "rpm -K: header and payload digests" digests
run_test "the Makefile version is the packages' and dkms.conf's" versions_agree
run_test "golden: xt_pktstat (extension)" check_golden "$(rpm_of xt_pktstat x86_64)" xt_pktstat
run_test "golden: dkms-xt_pktstat" check_golden "$(rpm_of dkms-xt_pktstat noarch)" dkms-xt_pktstat
run_test "golden: pktstat-collect" check_golden "$(rpm_of pktstat-collect x86_64)" pktstat-collect
run_test "golden: source RPM" check_golden "$out/xt_pktstat-$version-1.src.rpm" xt_pktstat.src
run_test "createrepo_c makes a repository of them" make_repo
run_test "dnf reads the repository (repoquery)" dnf_sees_repo
run_test "dnf --installroot: only distribution packages are unresolved" dnf_unresolved
run_test "rpm --root --nodeps --noscripts: every file lands, rpm -V, erase leaves nothing" payload

if [[ $(id -u) != 0 ]]; then
	while ((n < planned)); do skip_test "bookworm root tests" "need root (chroot, mounts)"; done
else
	# shellcheck disable=SC1091 # tests/pkg/lib.sh, linted with tests/pkg
	. "$top/tests/pkg/lib.sh"
	trap dkms_root_down EXIT
	if [[ ${RPM_REUSE:-0} != 1 || ! -f $next_out/dkms-xt_pktstat-$next-1.noarch.rpm ]]; then
		make --no-print-directory rpm RPM_VERSION="$next" RPM_OUT="$next_out" \
			RPM_LINT=no >>"$log" 2>&1
	fi
	run_test "bookworm root (tests/pkg/mkroot.sh) under an overlay of our own" dkms_root_up
	root_kernels "$R"
	run_test "chroot: rpm -i dkms-xt_pktstat: %post builds and installs for $K61 with DKMS" dkms_install
	run_test "chroot: rpm -U $next replaces the DKMS version, -U --replacepkgs keeps it, rpm -e leaves nothing" dkms_cycle
	if [[ $planned == 15 ]]; then
		run_test "boot $K61 (tests/pkg/vm.sh): the RPM's module loads and counts" vm_count
	fi
fi
echo "# $failed failed; log: $log; whole run $(($(date +%s) - start))s"
[[ $failed == 0 ]]
