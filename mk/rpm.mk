# RPM packages from the checkout. Included by the top-level Makefile.
#
#   make rpm      build/rpm/: the source RPM, the binary RPMs and the
#                 filled spec; rpmlint when it is installed (RPM_LINT=no
#                 to skip)
#   make rpm RPM_VERSION=0.1.1 RPM_OUT=build/rpm-next RPM_LINT=no
#                 a higher version, for the upgrade test of tests/rpm
#   make rpm-lint rpmlint of what build/rpm holds
#
# The spec is rpm/xt_pktstat.spec.in with @VERSION@ from VERSION (the one
# version source). The tarball holds the tracked and new files of the
# checkout, not what .gitignore excludes, so a dirty tree builds what it
# has, the same set `make deb` builds from.
#
# On Debian, rpmbuild's database knows no packages, so BuildRequires
# (gcc, make, pkgconfig(xtables)) cannot be checked: --nodeps there.
# ci/packages/deb.list and rpm.list install the real build tools. Debian's
# rpm also runs build scripts and brp-compress with /bin/sh (dash) although
# they need bash (`read -d`): both are told bash here, as /bin/sh is on Fedora.

RPM_OUT ?= $(BUILD)/rpm
RPM_WORK ?= $(RPM_OUT)-work
RPM_NAME := xt_pktstat
# The spec passes VERSION=%{version} to make, so an override reaches
# install-dkms (the /usr/src directory) and dkms.conf as well.
RPM_VERSION ?= $(VERSION)
RPM_TARBALL := $(RPM_NAME)-$(RPM_VERSION).tar.gz
RPM_LINT ?= $(if $(shell command -v rpmlint),yes,no)
RPM_NODEPS ?= $(if $(wildcard /etc/debian_version),--nodeps)
RPMBUILD_FLAGS ?=

# _topdir is private to this build; the results go flat into RPM_OUT.
RPMBUILD = rpmbuild $(RPM_NODEPS) $(RPMBUILD_FLAGS) \
	--define '_buildshell /bin/bash' \
	--define '__brp_compress /bin/bash %{_rpmconfigdir}/brp-compress %{?_prefix}' \
	--define '_topdir $(RPM_WORK)' \
	--define '_sourcedir $(RPM_WORK)/SOURCES' \
	--define '_rpmdir $(RPM_OUT)' \
	--define '_srcrpmdir $(RPM_OUT)' \
	--define '_rpmfilename %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm'

.PHONY: rpm rpm-lint

rpm:
	rm -rf $(RPM_WORK) $(RPM_OUT)
	mkdir -p $(RPM_WORK)/SOURCES $(RPM_WORK)/SPECS $(RPM_OUT)
	sed 's/@VERSION@/$(RPM_VERSION)/g' rpm/xt_pktstat.spec.in \
		>$(RPM_WORK)/SPECS/$(RPM_NAME).spec
	cp rpm/pktstat-collect.sysusers $(RPM_WORK)/SOURCES/
	# Existing files only: a tracked file deleted in the tree is skipped.
	if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files -z -co --exclude-standard; \
	else \
		find . -path ./build -prune -o -type f -print0; \
	fi | xargs -0 sh -c 'for f; do [ -f "$$f" ] && printf "%s\0" "$$f"; done; :' sh | \
		LC_ALL=C sort -z | \
		tar --null -T - --transform 's|^\./||;s|^|$(RPM_NAME)-$(RPM_VERSION)/|' \
		--owner=0 --group=0 --numeric-owner --mtime=@0 \
		-czf $(RPM_WORK)/SOURCES/$(RPM_TARBALL)
	$(RPMBUILD) -ba $(RPM_WORK)/SPECS/$(RPM_NAME).spec
	cp $(RPM_WORK)/SPECS/$(RPM_NAME).spec $(RPM_OUT)/
	rm -rf $(RPM_WORK)
ifeq ($(RPM_LINT),yes)
	$(MAKE) --no-print-directory rpm-lint
endif
	@ls -1 $(RPM_OUT)

# rpm/rpmlint.toml says why each remaining warning is accepted.
rpm-lint:
	rpmlint --strict -c rpm/rpmlint.toml $(RPM_OUT)/$(RPM_NAME).spec \
		$(RPM_OUT)/*.rpm
