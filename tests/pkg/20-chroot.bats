#!/usr/bin/env bats
# Install as a user would, in a chroot of the bookworm root: apt-get from
# the local repository, DKMS builds through dh_dkms's postinst; purge leaves
# nothing; no headers does not fail; new headers and a new kernel are picked
# up by DKMS's own hooks. The root is left for 30-vm.bats to boot.

load lib.sh

R=$PKG_ROOT
PKGS=(xt-pktstat-dkms xtables-pktstat)

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

@test "apt-get install builds and installs the module with DKMS for the root's kernel" {
	local t0
	root_files "$R" >"$PKG_BUILD/files-before"
	t0=$(now)
	# No Recommends: they would add linux-headers-amd64, the generic flavour
	# (dkms itself recommends it too), and a second build for a kernel that
	# is not installed. Checked as metadata in 10-build.bats instead.
	run root_apt "$R" install --no-install-recommends "${PKGS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	report_time "apt-get install (DKMS build for $K61)" $(($(now) - t0))
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

@test "the collector has its user, directories, modprobe.d gid and enabled unit" {
	[[ " ${PKGS[*]} " == *" pktstat-collect "* ]] || skip "pktstat-collect not built (build profile pkg.xt-pktstat.nocollect)"
	local gid
	gid=$(in_root "$R" getent group pktstat | cut -d: -f3)
	[ -n "$gid" ]
	in_root "$R" getent passwd pktstat
	[ "$(stat -c %U "$R/var/log/xt-pktstat")" = pktstat ] || [ "$(in_root "$R" stat -c %U /var/log/xt-pktstat)" = pktstat ]
	in_root "$R" stat -c %U /var/lib/xt-pktstat | grep -qx pktstat
	grep -E "^options xt_pktstat .*gid=$gid" "$R/etc/modprobe.d/xt_pktstat.conf"
	[ -L "$R/etc/systemd/system/multi-user.target.wants/pktstat-collect.service" ]
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
	root_files "$R" >"$PKG_BUILD/files-after"
	run diff "$PKG_BUILD/files-before" "$PKG_BUILD/files-after"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "without headers the install succeeds and says how to finish" {
	root_apt "$R" remove "linux-headers-$K61"
	run root_apt "$R" install --no-install-recommends "${PKGS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"apt-get install linux-headers-$K61"* ]]
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
