#!/usr/bin/env bash
# Proof of the RPM packaging on this Debian machine, as TAP on stdout:
#   build     make rpm (rpmlint inside), digests, goldens of each RPM; the
#             next version with Fedora's %optflags (LTO), for the upgrade
#   repo      createrepo_c, dnf reads it, dnf --installroot says exactly
#             what only a Fedora/RHEL repository can provide
#   payload   rpm --root --nodeps --noscripts: every file lands; erase
#   dkms      the scriptlets for real in the cached bookworm root of
#             tests/pkg (chroot): %post builds with DKMS, an upgrade
#             replaces the DKMS version, a reinstall keeps it, erase removes;
#             the same without common.postinst (dkms >= 3.1.3 on Red Hat),
#             for two kernels; the collector's modprobe.d file
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
pkgs=(xt_pktstat dkms-xt_pktstat pktstat-collect pktstat-views)

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
# Fedora 40's %optflags and %build_ldflags (x86_64), less the -specs= files
# of redhat-rpm-config, which Debian has not: LTO is what matters here.
FEDORA_OPTFLAGS="-O2 -flto=auto -ffat-lto-objects -fexceptions -g -grecord-gcc-switches -pipe -Wall -Werror=format-security -Wp,-U_FORTIFY_SOURCE,-D_FORTIFY_SOURCE=3 -Wp,-D_GLIBCXX_ASSERTIONS -fstack-protector-strong -m64 -march=x86-64 -mtune=generic -fasynchronous-unwind-tables -fstack-clash-protection -fcf-protection -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer"
FEDORA_LDFLAGS="-Wl,-z,relro -Wl,--as-needed -Wl,-z,pack-relative-relocs -Wl,-z,now -Wl,--build-id=sha1 -flto=auto -ffat-lto-objects"

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
	[[ -f $(rpm_of pktstat-views x86_64) ]]
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

# The next version, built as Fedora builds: gcc 12 with LTO reported
# 'period' may be used uninitialized, and -Werror failed the build.
build_next_fedora() {
	if [[ ${RPM_REUSE:-0} == 1 && -f $next_out/dkms-xt_pktstat-$next-1.noarch.rpm ]]; then
		echo "reusing $next_out"
		return 0
	fi
	make --no-print-directory rpm RPM_VERSION="$next" RPM_OUT="$next_out" RPM_LINT=no \
		RPMBUILD_FLAGS="--define 'optflags $FEDORA_OPTFLAGS' --define 'build_ldflags $FEDORA_LDFLAGS'" \
		>"$work/next.log" 2>&1 || { tail -n 30 "$work/next.log"; return 1; }
	grep -E '^cc -I\.\./src/include/uapi .*-flto=auto' "$work/next.log"
	grep -E '^cc .*-DVERSION=.*-flto=auto' "$work/next.log"
	if grep -E '(\.[ch]:[0-9]+(:[0-9]+)?|^lto1|^lto-wrapper): warning:' "$work/next.log"; then
		return 1
	fi
	[[ -f $next_out/dkms-xt_pktstat-$next-1.noarch.rpm ]]
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
			"pktstat-collect-$version-1.x86_64" "pktstat-views-$version-1.x86_64" \
			"xt_pktstat-$version-1.src" \
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
	# By name: "xt_pktstat-kmod = V" is met by "xt_pktstat-kmod = V-R"
	# (versions are dnf's to check, and it named none of ours).
	rpm -qp --provides --list "$repo"/*.x86_64.rpm "$repo"/*.noarch.rpm |
		awk '{ print $1 }' | LC_ALL=C sort -u >"$work/provided.txt"
	awk 'NR == FNR { p[$1]; next } !($1 in p)' "$work/provided.txt" "$work/requires.txt" |
		sed "s/${version//./\\.}/@VERSION@/g" | LC_ALL=C sort >"$work/dnf-unresolved.txt"
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
	if rpmr --root "$root" -V "${pkgs[@]}" | grep .; then
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

# Without openssl (a Fedora dkms need not pull it in), DKMS has no signing
# key: the module is installed unsigned and %post says how to sign it.
dkms_install() {
	local t0
	root_files "$R" >"$work/files-before"
	root_apt "$R" remove openssl ca-certificates
	t0=$(date +%s)
	root_rpm -i --nodeps "$(rpm_of dkms-xt_pktstat noarch)" | tee "$work/post.out"
	echo "# rpm -i (DKMS build): $(($(date +%s) - t0))s"
	root_apt "$R" install --no-install-recommends openssl ca-certificates
	dkms_in_root | tee "$work/dkms-status"
	grep -qx "xt-pktstat/$version, $K61, x86_64: installed" "$work/dkms-status"
	[[ -f $R/lib/modules/$K61/updates/dkms/xt_pktstat.ko ]]
	in_root "$R" modinfo -k "$K61" -F vermagic xt_pktstat | grep -q "^$K61 "
	[[ -z $(in_root "$R" modinfo -k "$K61" -F signer xt_pktstat) ]]
	grep -q "xt_pktstat.ko is not signed (is openssl installed?)" "$work/post.out"
	grep -q "dnf install openssl && dnf reinstall dkms-xt_pktstat" "$work/post.out"
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
	# openssl is back: signed now.
	[[ $(in_root "$R" modinfo -k "$K61" -F signer xt_pktstat) == "DKMS module signing key" ]]
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
	# rpm's own database is new in this root; depmod rewrites its files;
	# /usr/share/licenses (%license) is the filesystem package's on Fedora.
	diff <(grep -v -e '^\./var/lib/rpm' -e '^\./usr/lib/sysimage/rpm' \
		-e "^\./var/lib/dkms\$" -e '^\./usr/share/licenses$' "$work/files-before") \
		<(grep -v -e '^\./var/lib/rpm' -e '^\./usr/lib/sysimage/rpm' \
			-e "^\./var/lib/dkms\$" -e '^\./usr/share/licenses$' "$work/files-after")
}

# Without common.postinst (dkms >= 3.1.3 on Red Hat dropped it): the spec's
# own steps, for every kernel with headers (a second kernel here: the
# generic 6.1 flavour's headers), and a reinstall of the same version must
# not fail on "already added". (An upgrade's removal of the old version is
# the same code on both paths.)
dkms_fallback() {
	local k kernels=()
	mv "$R/usr/lib/dkms/common.postinst" "$R/usr/lib/dkms/common.postinst.hidden"
	root_apt "$R" install --no-install-recommends linux-headers-amd64
	for k in "$R"/lib/modules/*/build/include; do
		k=${k%/build/include}
		kernels+=("${k##*/}")
	done
	echo "kernels with headers: ${kernels[*]}"
	[[ ${#kernels[@]} -ge 2 ]]
	root_rpm -i --nodeps "$(rpm_of dkms-xt_pktstat noarch)"
	dkms_in_root | tee "$work/dkms-status"
	for k in "${kernels[@]}"; do
		grep -qx "xt-pktstat/$version, $k, x86_64: installed" "$work/dkms-status"
	done
	root_rpm -U --nodeps --replacepkgs "$(rpm_of dkms-xt_pktstat noarch)"
	dkms_in_root | tee "$work/dkms-status"
	for k in "${kernels[@]}"; do
		grep -qx "xt-pktstat/$version, $k, x86_64: installed" "$work/dkms-status"
		compgen -G "$R/lib/modules/$k/updates/dkms/xt_pktstat.ko*"
	done
	root_rpm -e --nodeps dkms-xt_pktstat
	[[ -z $(dkms_in_root) ]]
	mv "$R/usr/lib/dkms/common.postinst.hidden" "$R/usr/lib/dkms/common.postinst"
}

# make dkms-install from a checkout refuses a tree an RPM owns (the
# one dkms_cycle installed).
dkms_owner() {
	local msg rc=0
	msg=$(make --no-print-directory dkms-check-owner VERSION="$next" DPKG_OWNER=false \
		RPM_OWNER="rpm --force-debian --dbpath /var/lib/rpm --root $R -qf" 2>&1) || rc=$?
	echo "$msg"
	[[ $rc != 0 && $msg == *"/usr/src/xt-pktstat-$next belongs to a package (dkms-xt_pktstat-$next-1"* ]]
}

# The collector's %post writes /etc/modprobe.d/xt_pktstat.conf (the Debian
# name); an edit survives reinstall, upgrade and erase; an unedited file
# goes with the package; no /etc/modprobe.d (no kmod) is no failure.
collector_modprobe() {
	local conf=$R/etc/modprobe.d/xt_pktstat.conf gid rc
	root_rpm -i --nodeps "$(rpm_of pktstat-collect x86_64)"
	gid=$(in_root "$R" getent group pktstat | cut -d: -f3)
	grep -x "options xt_pktstat gid=$gid mode=0440" "$conf"
	[[ ! -e $R/etc/modprobe.d/xt-pktstat-collect.conf ]]
	root_rpm -e --nodeps pktstat-collect
	[[ ! -e $conf ]]
	root_rpm -i --nodeps "$(rpm_of pktstat-collect x86_64)"
	sed -i 's/mode=0440/mode=0444/' "$conf"
	root_rpm -U --nodeps --replacepkgs "$(rpm_of pktstat-collect x86_64)"
	grep -x "options xt_pktstat gid=$gid mode=0444" "$conf"
	root_rpm -U --nodeps "$next_out/pktstat-collect-$next-1.x86_64.rpm"
	grep -x "options xt_pktstat gid=$gid mode=0444" "$conf"
	root_rpm -e --nodeps pktstat-collect
	grep -x "options xt_pktstat gid=$gid mode=0444" "$conf"
	rm "$conf"
	mv "$R/etc/modprobe.d" "$R/etc/modprobe.d.hidden"
	rc=0
	root_rpm -i --nodeps "$(rpm_of pktstat-collect x86_64)" >"$work/out-nokmod" 2>&1 || rc=$?
	cat "$work/out-nokmod"
	root_rpm -e --nodeps pktstat-collect || rc=1
	mv "$R/etc/modprobe.d.hidden" "$R/etc/modprobe.d"
	[[ $rc == 0 ]]
	grep -q 'no /etc/modprobe.d (kmod is not installed)' "$work/out-nokmod"
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
}

planned=21
[[ ${RPM_TEST_VM:-0} == 1 ]] && planned=22
echo "1..$planned"

run_test "make rpm: SRPM and four binary RPMs in build/rpm, rpmlint --strict clean" build
if [[ ! -f $(rpm_of dkms-xt_pktstat noarch) ]]; then
	echo "# no packages: nothing else can be tested"
	exit 1
fi
run_test "rpm -K: header and payload digests" digests
run_test "make rpm of $next with Fedora's %optflags/%build_ldflags (LTO): no warning" build_next_fedora
run_test "the Makefile version is the packages' and dkms.conf's" versions_agree
run_test "golden: xt_pktstat (extension)" check_golden "$(rpm_of xt_pktstat x86_64)" xt_pktstat
run_test "golden: dkms-xt_pktstat" check_golden "$(rpm_of dkms-xt_pktstat noarch)" dkms-xt_pktstat
run_test "golden: pktstat-collect" check_golden "$(rpm_of pktstat-collect x86_64)" pktstat-collect
run_test "golden: pktstat-views" check_golden "$(rpm_of pktstat-views x86_64)" pktstat-views
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
	run_test "bookworm root (tests/pkg/mkroot.sh) under an overlay of our own" dkms_root_up
	root_kernels "$R"
	run_test "chroot: rpm -i dkms-xt_pktstat without openssl: %post builds for $K61, says it is unsigned and what to do" dkms_install
	run_test "chroot: rpm -U $next replaces the DKMS version, -U --replacepkgs keeps it" dkms_cycle
	run_test "chroot: make dkms-install refuses the tree dkms-xt_pktstat owns" dkms_owner
	run_test "chroot: rpm -e leaves no module, DKMS tree or file of ours" dkms_erase
	run_test "chroot: pktstat-collect's modprobe.d file: written, edits kept, erase, no kmod" collector_modprobe
	run_test "chroot, no common.postinst: install, reinstall, erase, for every kernel with headers" dkms_fallback
	if [[ $planned == 22 ]]; then
		run_test "boot $K61 (tests/pkg/vm.sh): the RPM's module loads and counts" vm_count
	fi
fi
echo "# $failed failed; log: $log; whole run $(($(date +%s) - start))s"
[[ $failed == 0 ]]
