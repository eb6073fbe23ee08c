# Debian packages from the checkout. Included by the top-level Makefile.
#
#   make deb                      build/deb: the source package (.dsc, .tar.xz), the
#                                 .debs, .changes, .buildinfo; lintian of it all
#   make deb-check-version        debian/changelog == make print-version
#   make deb DEB_VERSION_OVERRIDE=0.1.1 DEB_OUT=build/deb-next DEB_LINTIAN=no
#                                 a higher version, for the package-upgrade test
#   make deb DEB_BUILD_TYPE=-b    binary packages only
#
# dpkg-buildpackage runs in a copy under build/ so the checkout stays clean
# and its own build products never leak into the packages.

DEB_OUT ?= $(BUILD)/deb
DEB_WORK ?= $(BUILD)/deb-work
DEB_VERSION_OVERRIDE ?=
DEB_LINTIAN ?= yes
# Every tag is shown; all but info tags fail the build (no overrides are
# shipped). The info tags left: spare-manual-page (xt_pktstat(8) documents a
# match, not a command: xtables-addons(8) gets it too) and
# package-supports-alternative-init-but-no-init.d-script (the timer's
# one-shot service, which lintian takes for a daemon).
DEB_LINTIAN_FLAGS ?= --pedantic --display-info --display-experimental \
	--show-overrides --fail-on error,warning,pedantic,experimental
# Empty: source and binary packages (a full build, as a Debian upload).
DEB_BUILD_TYPE ?=
# Without tools/Makefile the collector package cannot be built yet.
DEB_PROFILES ?= $(if $(wildcard tools/Makefile),,pkg.xt-pktstat.nocollect)

.PHONY: deb deb-check-version

deb-check-version:
	@cl=$$(dpkg-parsechangelog -l debian/changelog -S Version); \
	if [ "$$cl" != "$(VERSION)" ]; then \
		echo "debian/changelog says $$cl, Makefile VERSION says $(VERSION)" >&2; \
		exit 1; \
	fi

deb: deb-check-version
	rm -rf $(DEB_WORK)
	mkdir -p $(DEB_WORK)/xt-pktstat
	# Tracked and new files, not what .gitignore excludes (build products).
	if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files -z -co --exclude-standard; \
	else \
		find . -path ./build -prune -o -type f -print0; \
	fi | tar --null -T - -cf - | tar -xf - -C $(DEB_WORK)/xt-pktstat
ifneq ($(DEB_VERSION_OVERRIDE),)
	cd $(DEB_WORK)/xt-pktstat && \
	sed -i 's/^VERSION := .*/VERSION := $(DEB_VERSION_OVERRIDE)/' Makefile && \
	{ printf 'xt-pktstat (%s) bookworm; urgency=medium\n\n  * Build of %s for tests.\n\n -- %s  %s\n\n' \
		'$(DEB_VERSION_OVERRIDE)' '$(DEB_VERSION_OVERRIDE)' \
		"$$(dpkg-parsechangelog -S Maintainer)" "$$(date -R)"; \
	  cat debian/changelog; } >debian/changelog.new && \
	mv debian/changelog.new debian/changelog
endif
	cd $(DEB_WORK)/xt-pktstat && dpkg-buildpackage -us -uc $(DEB_BUILD_TYPE) \
		$(if $(DEB_PROFILES),-P$(DEB_PROFILES))
	rm -rf $(DEB_OUT)
	mkdir -p $(DEB_OUT)
	mv $(DEB_WORK)/*.deb $(DEB_WORK)/*.changes $(DEB_WORK)/*.buildinfo $(DEB_OUT)/
	if [ -z "$(DEB_BUILD_TYPE)" ]; then mv $(DEB_WORK)/*.dsc $(DEB_WORK)/*.tar.* $(DEB_OUT)/; fi
	rm -rf $(DEB_WORK)
ifeq ($(DEB_LINTIAN),yes)
	lintian $(DEB_LINTIAN_FLAGS) $(DEB_OUT)/*.changes
endif
	@ls -1 $(DEB_OUT)
