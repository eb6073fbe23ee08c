# Install targets shared by the Debian and RPM packaging and by people
# installing from a checkout. Included by the top-level Makefile.
#
#   make install DESTDIR=... PREFIX=/usr   xtables extension + collector tools
#   make install-dkms DESTDIR=...          DKMS source tree (module sources + dkms.conf)
#   make dkms-install [KVER=...]           from a checkout: dkms add/build/install
#   make dkms-uninstall                    dkms remove --all, delete the source tree
#                                          (both refuse a tree a package owns)

PREFIX ?= /usr/local
DESTDIR ?=
DKMS ?= dkms
DKMS_NAME := xt-pktstat
# Where DKMS expects the sources: /usr/src/<PACKAGE_NAME>-<PACKAGE_VERSION>.
DKMS_SRCDIR ?= /usr/src/$(DKMS_NAME)-$(VERSION)

# Only what the module build reads: Makefile, Kbuild, C sources and headers,
# the uapi header and the compile probes. Build products (config.h, *.mod.c,
# objects) are left out even when the checkout has built the module.
DKMS_FIND := find . -type f \( -name Makefile -o -name Kbuild -o -name '*.c' \
	-o -name '*.h' -o -name '*.sh' \) ! -name config.h ! -name config.h.tmp \
	! -name '*.mod.c' ! -path './probes/out/*'

.PHONY: install install-extension install-tools install-dkms dkms-install \
	dkms-uninstall dkms-check-owner

install: install-extension install-tools

install-extension:
	$(MAKE) -C iptables install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) \
		$(if $(XTLIBDIR),XTLIBDIR=$(XTLIBDIR)) $(if $(MANDIR),MANDIR=$(MANDIR))

# The collector is optional until tools/ has its Makefile. modprobe-conf
# is what the packages' maintainer scripts write the modprobe.d file with.
install-tools:
	@if [ -f tools/Makefile ]; then \
		$(MAKE) -C tools install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) && \
		install -D -m 0755 mk/modprobe-conf.sh \
			$(DESTDIR)$(PREFIX)/share/pktstat-collect/modprobe-conf; \
	else \
		echo 'install-tools: no tools/Makefile yet, collector not installed'; \
	fi

install-dkms:
	@test -f src/Kbuild || { echo 'install-dkms: src/Kbuild missing' >&2; exit 1; }
	install -d -m 0755 $(DESTDIR)$(DKMS_SRCDIR)
	cd src && $(DKMS_FIND) -print | LC_ALL=C sort | while read -r f; do \
		mode=0644; [ -x "$$f" ] && mode=0755; \
		install -D -m $$mode "$$f" "$(DESTDIR)$(DKMS_SRCDIR)/$${f#./}" || exit 1; \
	done
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DESTDIR)$(DKMS_SRCDIR)/dkms.conf
	chmod 0644 $(DESTDIR)$(DKMS_SRCDIR)/dkms.conf

# A source tree a package installed belongs to that package (its prerm and
# DKMS's state rely on it): never replace or delete it from a checkout.
DPKG_OWNER ?= dpkg -S
RPM_OWNER ?= rpm -qf
dkms-check-owner:
	@if owner=$$($(DPKG_OWNER) $(DKMS_SRCDIR) 2>/dev/null) || \
	    owner=$$($(RPM_OWNER) $(DKMS_SRCDIR) 2>/dev/null); then \
		echo "$(DKMS_SRCDIR) belongs to a package ($${owner%%:*}): remove that" \
			"package first, or bump VERSION in the Makefile." >&2; \
		exit 1; \
	fi

# From a checkout, as root. A source tree of the same version that DKMS
# already knows is removed first, so a rebuilt checkout is really rebuilt.
dkms-install: dkms-check-owner
	@test "$$(id -u)" = 0 || { echo 'dkms-install: run as root' >&2; exit 1; }
	if [ -n "$$($(DKMS) status -m $(DKMS_NAME) -v $(VERSION))" ]; then \
		$(DKMS) remove -m $(DKMS_NAME) -v $(VERSION) --all; fi
	rm -rf $(DKMS_SRCDIR)
	$(MAKE) install-dkms DESTDIR=
	$(DKMS) add -m $(DKMS_NAME) -v $(VERSION)
	$(DKMS) install -m $(DKMS_NAME) -v $(VERSION) -k $(KVER)
	$(DKMS) status -m $(DKMS_NAME) -v $(VERSION)

dkms-uninstall: dkms-check-owner
	@test "$$(id -u)" = 0 || { echo 'dkms-uninstall: run as root' >&2; exit 1; }
	if [ -n "$$($(DKMS) status -m $(DKMS_NAME) -v $(VERSION))" ]; then \
		$(DKMS) remove -m $(DKMS_NAME) -v $(VERSION) --all; fi
	rm -rf $(DKMS_SRCDIR)
