#!/usr/bin/env bats
# Install as a user would, in a chroot of the bookworm root: apt-get from
# the local repository, DKMS builds through dh_dkms's postinst; purge leaves
# nothing; kernels the module does not support, no openssl and no headers
# do not fail; new headers and a new kernel are picked up by DKMS's own
# hooks. The root is left for 30-vm.bats to boot.

load lib.sh

R=$PKG_ROOT
PKGS=(xt-pktstat-dkms xtables-pktstat)
CONF=/etc/modprobe.d/xt_pktstat.conf
# Fake kernels (headers only) the module must skip: too old, no xtables.
OLD_KERNEL=5.10.0-99-amd64
NONF_KERNEL=6.6.0-99-nonf-amd64

setup_file() {
	local base
	base=$(cat "$PKG_BUILD/base")
	work_root_reset
	work_root_up "$base"
	root_mount "$PKG_ROOT"
	mkdir -p "$PKG_ROOT/srv/xt-pktstat"
	cp -r "$PKG_BUILD/deb" "$PKG_ROOT/srv/xt-pktstat/repo"
	cp -r "$PKG_BUILD/deb-next" "$PKG_ROOT/srv/xt-pktstat/repo-next"
	echo 'deb [trusted=yes] file:/srv/xt-pktstat/repo ./' \
		>"$PKG_ROOT/etc/apt/sources.list.d/xt-pktstat-local.list"
	root_apt_update_local "$PKG_ROOT"
	# The guest boots from a virtio disk with ext4 (built in): an initramfs
	# with only virtio is enough and is made in seconds, not minutes.
	printf 'MODULES=list\n' >"$PKG_ROOT/etc/initramfs-tools/conf.d/xt-pktstat-test"
	printf 'virtio_pci\nvirtio_blk\n' >>"$PKG_ROOT/etc/initramfs-tools/modules"
}

teardown_file() {
	root_umount "$PKG_ROOT"
}

setup() {
	# shellcheck disable=SC1091
	. "$PKG_BUILD/versions"
	root_kernels "$R"
	if grep -q '^Package: pktstat-collect$' "$PKG_BUILD/deb/Packages"; then
		PKGS+=(pktstat-collect)
	fi
}

dkms_status() {
	in_root "$R" dkms status -m xt-pktstat
}

need_collector() {
	[[ " ${PKGS[*]} " == *" pktstat-collect "* ]] || skip "pktstat-collect not built (build profile pkg.xt-pktstat.nocollect)"
}

need_views() {
	grep -q '^Package: pktstat-views$' "$PKG_BUILD/deb/Packages" ||
		skip "pktstat-views not built (build profile pkg.xt-pktstat.nocollect)"
}

@test "apt-get install builds and installs the module with DKMS for the root's kernel" {
	local t0
	root_files "$R" >"$PKG_BUILD/files-before"
	t0=$(now)
	# No Recommends: linux-headers-amd64 (dkms recommends that flavour)
	# would add a second build for a kernel that is not installed. What we
	# recommend is checked in 10-build.bats and below.
	run root_apt "$R" install --no-install-recommends "${PKGS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	report_time "apt-get install (DKMS build for $K61)" $(($(now) - t0))
	# openssl is installed: the module is signed, nothing to say about it.
	refute_match 'is not signed' "$output"
	run dkms_status
	echo "$output"
	[[ $output == *"xt-pktstat/$VERSION, $K61, x86_64: installed"* ]]
	[ -e "$R/lib/modules/$K61/updates/dkms/xt_pktstat.ko" ]
	in_root "$R" modinfo -k "$K61" xt_pktstat | grep -q "^vermagic: *$K61 "
}

@test "the module is signed with DKMS's MOK key" {
	local signer serial keyserial
	[ -f "$R/var/lib/dkms/mok.pub" ]
	signer=$(in_root "$R" modinfo -k "$K61" -F signer xt_pktstat)
	[ "$signer" = "DKMS module signing key" ]
	# The signature names the certificate's serial: this key, no other.
	serial=$(in_root "$R" modinfo -k "$K61" -F sig_key xt_pktstat | tr -d ':' | tr 'a-f' 'A-F')
	keyserial=$(openssl x509 -inform DER -in "$R/var/lib/dkms/mok.pub" -noout -serial | cut -d= -f2)
	echo "sig_key=$serial cert=$keyserial"
	[ "$serial" = "$keyserial" ]
}

@test "iptables finds the extension" {
	run in_root "$R" iptables -m pktstat --help
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"--period"* ]]
}

@test "xt_pktstat(8) names every option, range and default of --help, every module parameter and stats key" {
	local page help word key missing=0 params keys
	# The page as one line of plain words: roff escapes and fonts dropped.
	page=$(zcat "$R/usr/share/man/man8/xt_pktstat.8.gz" |
		sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(mu/x/g' -e 's/^\.[A-Z]* //' |
		tr '\n' ' ' | tr -s ' ')
	help=$(in_root "$R" iptables -m pktstat --help | sed -n '/^pktstat match options/,$p')
	[ -n "$help" ]
	# Options, "A to B" ranges and "(default X)" of the extension's help.
	while read -r word; do
		[[ $page == *"$word"* ]] || { echo "not in the page: '$word' (iptables -m pktstat --help)"; missing=1; }
	done < <(grep -oE -- '--[a-z]+ |[0-9]+[a-z]* to [0-9]+[a-z]*|default [0-9]+[a-z]*' <<<"$help" | sed 's/ $//' | sort -u)
	# Every parameter of the module DKMS built.
	params=$(in_root "$R" modinfo -k "$K61" -p xt_pktstat | cut -d: -f1)
	[ -n "$params" ]
	for word in $params; do
		[[ $page == *" $word="* ]] || { echo "not in the page: module parameter '$word='"; missing=1; }
	done
	# Every "key: value" line the kernel source prints into the stats file.
	keys=$(grep -ohE '"[a-z][a-z0-9_]*: %' "$PKG_TOP"/src/*.c | sed 's/^"//; s/: %$//' | sort -u)
	[ -n "$keys" ]
	for key in $keys; do
		zcat "$R/usr/share/man/man8/xt_pktstat.8.gz" | grep -qx "\.B $key" ||
			{ echo "not in the page: stats key '$key' (src/*.c)"; missing=1; }
	done
	[ "$missing" -eq 0 ]
}

@test "the collector has its user, directories, modprobe.d gid and enabled unit; the timer stays disabled" {
	need_collector
	local gid
	gid=$(in_root "$R" getent group pktstat | cut -d: -f3)
	[ -n "$gid" ]
	in_root "$R" getent passwd pktstat
	in_root "$R" stat -c '%U %G %a' /var/log/xt-pktstat | grep -qx 'pktstat pktstat 750'
	in_root "$R" stat -c '%U %G %a' /var/lib/xt-pktstat | grep -qx 'pktstat pktstat 750'
	grep -E "^options xt_pktstat .*gid=$gid" "$R$CONF"
	[ -L "$R/etc/systemd/system/multi-user.target.wants/pktstat-collect.service" ]
	[ ! -e "$R/etc/systemd/system/timers.target.wants/pktstat-collect.timer" ]
}

# reinstall_collector [DEB]: the collector's maintainer scripts run again
# (the same version from the repository, or DEB: an upgrade or downgrade).
reinstall_collector() {
	if [[ -n ${1:-} ]]; then
		in_root "$R" dpkg -i "$1"
	else
		root_apt "$R" install --reinstall --no-install-recommends pktstat-collect
	fi
}

@test "modprobe.d: an edited file survives reinstall, upgrade and downgrade; an unedited one is refreshed" {
	need_collector
	local orig edited
	orig=$(cat "$R$CONF")
	sed -i 's/mode=0440/mode=0444/' "$R$CONF"
	edited=$(cat "$R$CONF")
	[ "$edited" != "$orig" ]
	reinstall_collector
	[ "$(cat "$R$CONF")" = "$edited" ]
	reinstall_collector "/srv/xt-pktstat/repo-next/pktstat-collect_${NEXT}_amd64.deb"
	[ "$(cat "$R$CONF")" = "$edited" ]
	reinstall_collector "/srv/xt-pktstat/repo/pktstat-collect_${VERSION}_amd64.deb"
	[ "$(cat "$R$CONF")" = "$edited" ]
	# Back to what the package wrote: the package's again (rewritten).
	printf '%s\n' "$orig" >"$R$CONF"
	touch -d '2000-01-01' "$R$CONF"
	reinstall_collector
	[ "$(cat "$R$CONF")" = "$orig" ]
	[ "$(stat -c %Y "$R$CONF")" -gt "$(date -d 2001-01-01 +%s)" ]
	# Deleted: written anew.
	rm "$R$CONF"
	reinstall_collector
	[ "$(cat "$R$CONF")" = "$orig" ]
}

@test "an edited modprobe.d file without the collector's gid: the install says what to add" {
	need_collector
	local orig gid
	orig=$(cat "$R$CONF")
	gid=$(in_root "$R" getent group pktstat | cut -d: -f3)
	printf 'options xt_pktstat mode=0444\n' >"$R$CONF"
	run reinstall_collector
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"$CONF was changed locally and is kept"* ]]
	[[ $output == *"gid=$gid mode=0440"* ]]
	[ "$(cat "$R$CONF")" = "options xt_pktstat mode=0444" ]
	printf '%s\n' "$orig" >"$R$CONF"
}

@test "dpkg-statoverride: the admin's owner and mode of /var/log/xt-pktstat survive configure and re-creation" {
	need_collector
	in_root "$R" dpkg-statoverride --add pktstat adm 0755 /var/log/xt-pktstat
	reinstall_collector
	in_root "$R" stat -c '%U %G %a' /var/log/xt-pktstat | grep -qx 'pktstat adm 755'
	rm -rf "$R/var/log/xt-pktstat"
	reinstall_collector
	in_root "$R" stat -c '%U %G %a' /var/log/xt-pktstat | grep -qx 'pktstat adm 755'
	in_root "$R" dpkg-statoverride --remove /var/log/xt-pktstat
	reinstall_collector
	in_root "$R" stat -c '%U %G %a' /var/log/xt-pktstat | grep -qx 'pktstat pktstat 750'
}

# cron_line: the command of /etc/cron.d/pktstat-collect, run as cron runs
# it (its user, SHELL and PATH). Prints what cron would mail.
cron_line() {
	local cmd
	cmd=$(awk '/^[*0-9@]/ { for (i = 1; i <= 6; i++) $i = ""; sub(/^ +/, ""); print }' \
		"$R/etc/cron.d/pktstat-collect")
	[ -n "$cmd" ]
	in_root "$R" runuser -u pktstat -- env -i SHELL=/bin/sh \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -c "$cmd" 2>&1
}

@test "cron: silent without the module, on systemd hosts, and after remove without purge" {
	need_collector
	# The host has no xt_pktstat: no /proc/net/xt_pktstat here.
	[ ! -e /proc/net/xt_pktstat ]
	run cron_line
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	mkdir -p "$R/run/systemd/system"
	run cron_line
	rmdir "$R/run/systemd/system"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	root_apt "$R" remove pktstat-collect
	[ -f "$R/etc/cron.d/pktstat-collect" ]	# a conffile: stays until purge
	run cron_line
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	root_apt "$R" install --no-install-recommends pktstat-collect
}

@test "make dkms-install and dkms-uninstall refuse the tree the package owns" {
	local before co=/tmp/xt-pktstat-checkout
	before=$(cd "$R/usr/src/xt-pktstat-$VERSION" && find . -printf '%p %s %T@\n' | sort)
	mkdir -p "$R$co"
	(cd "$PKG_TOP" && cp -r Makefile mk src dkms.conf "$R$co/")
	run in_root "$R" make -C "$co" dkms-install KVER="$K61"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"/usr/src/xt-pktstat-$VERSION belongs to a package (xt-pktstat-dkms)"* ]]
	run in_root "$R" make -C "$co" dkms-uninstall KVER="$K61"
	[ "$status" -ne 0 ]
	[[ $output == *"belongs to a package (xt-pktstat-dkms)"* ]]
	rm -rf "${R:?}$co"
	[ "$(cd "$R/usr/src/xt-pktstat-$VERSION" && find . -printf '%p %s %T@\n' | sort)" = "$before" ]
	run dkms_status
	[[ $output == *"xt-pktstat/$VERSION, $K61, x86_64: installed"* ]]
}

@test "module and extension stay at one version: Breaks, for dpkg and for apt" {
	local list=$R/etc/apt/sources.list.d/xt-pktstat-local.list
	# dpkg refuses the next extension next to this version's module.
	run in_root "$R" dpkg --dry-run -i "/srv/xt-pktstat/repo-next/xtables-pktstat_${NEXT}_amd64.deb"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"xtables-pktstat breaks xt-pktstat-dkms (<< $NEXT)"* ]]
	# apt upgrades both, also without bookworm's upgrade-by-source default.
	printf 'deb [trusted=yes] file:/srv/xt-pktstat/%s ./\n' repo repo-next >"$list"
	root_apt_update_local "$R"
	run root_apt "$R" -s -o APT::Get::Upgrade-By-Source-Package=false \
		install --no-install-recommends xtables-pktstat
	echo "$output"
	echo 'deb [trusted=yes] file:/srv/xt-pktstat/repo ./' >"$list"
	root_apt_update_local "$R"
	[ "$status" -eq 0 ]
	[[ $output == *"Inst xtables-pktstat [$VERSION] ($NEXT"* ]]
	[[ $output == *"Inst xt-pktstat-dkms [$VERSION] ($NEXT"* ]]
}

@test "remove and purge leave no module, DKMS tree or file of ours" {
	local t0
	t0=$(now)
	run root_apt "$R" purge "${PKGS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	report_time "apt-get purge" $(($(now) - t0))
	[ -z "$(dkms_status)" ]
	[ ! -e "$R/var/lib/dkms/xt-pktstat" ]
	[ -z "$(find "$R/usr/src" "$R/lib/modules" -name 'xt*pktstat*')" ]
	[ -z "$(in_root "$R" getent passwd pktstat)" ]
	[ ! -e "$R$CONF" ]
	root_files "$R" >"$PKG_BUILD/files-after"
	run diff "$PKG_BUILD/files-before" "$PKG_BUILD/files-after"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "purge keeps an edited modprobe.d file" {
	need_collector
	root_apt "$R" install --no-install-recommends pktstat-collect
	echo 'options xt_pktstat gid=4242 mode=0440' >"$R$CONF"
	root_apt "$R" purge pktstat-collect
	[ "$(cat "$R$CONF")" = 'options xt_pktstat gid=4242 mode=0440' ]
	rm "$R$CONF"
}

@test "without /etc/modprobe.d (no kmod) the collector installs alone, says what to set, and purges" {
	need_collector
	local install
	mv "$R/etc/modprobe.d" "$R/etc/modprobe.d.hidden"
	run root_apt "$R" install --no-install-recommends pktstat-collect
	echo "$output"
	install=$output
	[ "$status" -eq 0 ] && run root_apt "$R" purge pktstat-collect
	echo "$output"
	mv "$R/etc/modprobe.d.hidden" "$R/etc/modprobe.d"
	[ "$status" -eq 0 ]
	[[ $install == *"no /etc/modprobe.d (kmod is not installed)"* ]]
	[[ $install == *"give it 'gid="*" mode=0440'"* ]]
	[ -z "$(in_root "$R" getent passwd pktstat)" ]
}

# The views' libraries (cairo and the X libraries it links) come from the
# Debian mirror: this test, unlike the others here, needs the network once
# per machine (the host's apt cache keeps them).
@test "pktstat-views: installs alone, pktstat-top and pktstat-plot work, man pages; purge leaves nothing" {
	need_views
	local v=/tmp/xt-views T0=1800000000000000000 P=1000000 f tf=0 tb=0 end
	root_files "$R" >"$BATS_TEST_TMPDIR/files-before"
	run root_apt "$R" install --no-install-recommends pktstat-views
	echo "$output"
	[ "$status" -eq 0 ]
	# Its libraries came along; the collector, only recommended, did not.
	in_root "$R" dpkg -s libcairo2 libncursesw6 zlib1g >/dev/null
	run in_root "$R" dpkg -s pktstat-collect
	[ "$status" -ne 0 ]
	run in_root "$R" pktstat-top --version
	[ "$output" = "pktstat-top $VERSION" ]
	run in_root "$R" pktstat-plot --version
	[ "$output" = "pktstat-plot $VERSION" ]
	run in_root "$R" pktstat-top --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "Usage: pktstat-top [OPTION]..." ]]
	run in_root "$R" pktstat-plot --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "Usage: pktstat-plot -o FILE.png|FILE.svg"* ]]
	# No collector: the totals of a /proc-like stats file, as text.
	mkdir -p "$R$v/run" "$R$v/proc/web"
	printf 'name: web\nid: 17\nperiod_ns: 250000\nsamples: 1024\ncpus: 2\nqueued: 2\noverflows: 1\nframes: 1000\nbytes: 100000\nrules: 1\n' \
		>"$R$v/proc/web/stats"
	run in_root "$R" pktstat-top --batch -r "$v/run" -p "$v/proc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"NO COLLECTOR ($v/run/collector: missing)"* ]]
	grep -Eq '^web +250us +- +- +- +- +- +1 +2 +- +1000 +100000$' <<<"$output"
	# Three 1 ms windows of the collector's CSV (format 2): 5, 7, 60 frames
	# of 228 bytes; the peak is 60 frames in 1 ms.
	{
		echo time_utc,end_ns,instance,instance_id,frames,bytes,total_frames,total_bytes,start_ns,period_ns,flags
		for f in 5 7 60; do
			tf=$((tf + f)) tb=$((tb + f * 228)) end=$((T0 + tf * P))
			echo "x,$end,web,17,$f,$((f * 228)),$tf,$tb,$((end - P)),$P,"
		done
	} >"$R$v/web.csv"
	run in_root "$R" pktstat-plot -v -s 640x480 -o "$v/web.png" "$v/web.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"pktstat-plot: read: 1 files, 3 rows, 0 bad rows skipped"* ]]
	[[ $output == *"pktstat-plot: series web: rows 3, frames 72, bytes 16416, peak 60000 packets/s at column "*", 109440000 bit/s at column "* ]]
	file "$R$v/web.png" | grep -q 'PNG image data, 640 x 480'
	in_root "$R" pktstat-plot -o "$v/web.svg" "$v/web.csv"
	grep -q '<svg' "$R$v/web.svg"
	rm -r "${R:?}$v"
	# The pages, where man looks for them.
	zcat "$R/usr/share/man/man1/pktstat-top.1.gz" | grep -q '^\.TH PKTSTAT-TOP 1 '
	zcat "$R/usr/share/man/man1/pktstat-plot.1.gz" | grep -q '^\.TH PKTSTAT-PLOT 1 '
	# Purge, with the libraries it brought: the root is as before.
	run root_apt "$R" purge --autoremove pktstat-views
	echo "$output"
	[ "$status" -eq 0 ]
	root_files "$R" >"$BATS_TEST_TMPDIR/files-after"
	run diff "$BATS_TEST_TMPDIR/files-before" "$BATS_TEST_TMPDIR/files-after"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "recommends: no headers of another flavour than the cloud kernel's" {
	run root_apt "$R" -s install xt-pktstat-dkms
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Inst xt-pktstat-dkms "* ]]
	refute_match '^Inst linux-(headers|image)' "$output"
}

# fake_kernel KVER CONFIG: headers of a kernel (a build tree whose make
# fails, and its .config), with /lib/modules/KVER/modules.order.
fake_kernel() {
	local d=$R/lib/modules/$1
	mkdir -p "$d/build/include"
	touch "$d/modules.order"
	printf 'all modules:\n\t@echo "fake headers of $1: no build" >&2; false\n' >"$d/build/Makefile"
	echo "$2" >"$d/build/.config"
}

# One install (one DKMS build) for two situations a user meets: kernels the
# module does not support, and no openssl.
@test "kernels outside BUILD_EXCLUSIVE are skipped, no openssl gives an unsigned module: the install succeeds and says so" {
	local keys=$BATS_FILE_TMPDIR/mok
	fake_kernel "$OLD_KERNEL" CONFIG_NETFILTER_XTABLES=m
	fake_kernel "$NONF_KERNEL" CONFIG_NETFILTER=y
	# A machine where DKMS never had openssl: no key yet either.
	mkdir -p "$keys"
	mv "$R"/var/lib/dkms/mok.* "$keys/"
	root_apt "$R" remove openssl ca-certificates
	run root_apt "$R" install --no-install-recommends xt-pktstat-dkms
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'Skipped\.' <<<"$output")" -eq 2 ]
	[[ $output == *"xt-pktstat"*"BUILD_EXCLUSIVE directive which does not match this kernel"* ]]
	[[ $output == *"/lib/modules/$K61/updates/dkms/xt_pktstat.ko is not signed (is openssl installed?)"* ]]
	[[ $output == *"apt-get install openssl && apt-get install --reinstall xt-pktstat-dkms"* ]]
	[ -z "$(in_root "$R" modinfo -k "$K61" -F signer xt_pktstat)" ]
	run dkms_status
	echo "$output"
	[[ $output == *"xt-pktstat/$VERSION, $K61, x86_64: installed"* ]]
	refute_match "$OLD_KERNEL|$NONF_KERNEL" "$output"
}

@test "a kernel outside BUILD_EXCLUSIVE installed later: what bookworm's dkms kernel hook does" {
	local dkmsver
	# dkms >= 3.0.11 skips it there too; bookworm's 3.0.10 fails the hook
	# (autoinstall), and with it the kernel's postinst: README.md says so.
	run in_root "$R" /etc/kernel/postinst.d/dkms "$OLD_KERNEL"
	echo "$output"
	dkmsver=$(in_root "$R" dpkg-query -W -f '${Version}' dkms)
	if dpkg --compare-versions "$dkmsver" ge 3.0.11; then
		[ "$status" -eq 0 ]
	else
		[ "$status" -eq 11 ]
		[[ $output == *"autoinstall for kernel: $OLD_KERNEL failed"* ]]
	fi
}

@test "what the unsigned-module message says to do signs it" {
	root_apt "$R" install --no-install-recommends openssl ca-certificates
	run root_apt "$R" install --reinstall --no-install-recommends xt-pktstat-dkms
	echo "$output"
	[ "$status" -eq 0 ]
	refute_match 'is not signed' "$output"
	[ "$(in_root "$R" modinfo -k "$K61" -F signer xt_pktstat)" = "DKMS module signing key" ]
	root_apt "$R" purge xt-pktstat-dkms
	rm -rf "${R:?}/lib/modules/$OLD_KERNEL" "${R:?}/lib/modules/$NONF_KERNEL"
	[ -z "$(dkms_status)" ]
}

@test "without headers the install succeeds and names the package, and the flavour's for later kernels" {
	root_apt "$R" remove "linux-headers-$K61"
	run root_apt "$R" install --no-install-recommends "${PKGS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"apt-get install linux-headers-$K61"* ]]
	# mkroot.sh installs the cloud flavour.
	[[ $output == *"linux-headers-cloud-amd64 package brings the headers of later kernels"* ]]
	run dkms_status
	echo "$output"
	[[ $output == *"xt-pktstat/$VERSION: added"* ]]
	[ ! -e "$R/lib/modules/$K61/updates/dkms/xt_pktstat.ko" ]
}

@test "installing the headers later builds the module with no command of ours" {
	run root_apt "$R" install --no-install-recommends "linux-headers-$K61"
	echo "$output"
	[ "$status" -eq 0 ]
	run dkms_status
	echo "$output"
	[[ $output == *"xt-pktstat/$VERSION, $K61, x86_64: installed"* ]]
}

@test "kernel upgrade: DKMS builds for the new kernel through its postinst hook" {
	local t0
	t0=$(now)
	run root_apt "$R" install --no-install-recommends -t bookworm-backports \
		"linux-image-$K612" "linux-headers-$K612"
	echo "$output"
	[ "$status" -eq 0 ]
	report_time "kernel upgrade in chroot ($K612 image+headers, DKMS, initramfs)" $(($(now) - t0))
	run dkms_status
	echo "$output"
	[[ $output == *"xt-pktstat/$VERSION, $K612, x86_64: installed"* ]]
	in_root "$R" modinfo -k "$K612" xt_pktstat | grep -q "^vermagic: *$K612 "
	# Signed with the key already present (made at the first build).
	[ "$(in_root "$R" modinfo -k "$K612" -F signer xt_pktstat)" = "DKMS module signing key" ]
	[ "$(in_root "$R" modinfo -k "$K612" -F sig_key xt_pktstat | tr -d ':' | tr 'a-f' 'A-F')" = \
		"$(openssl x509 -inform DER -in "$R/var/lib/dkms/mok.pub" -noout -serial | cut -d= -f2)" ]
	[ -f "$R/boot/initrd.img-$K612" ]
}
