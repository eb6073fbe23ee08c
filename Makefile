# xt_pktstat: top-level build. `make help` lists the targets.
#
# The version lives here and nowhere else; packaging reads it with
# `make -s print-version`.
VERSION := 0.1.0

# Kernel to build the module for: the running one when its build tree
# exists, else the newest headers installed under /usr/src.
KVER ?= $(shell ci/kernels.sh default)
KDIR ?= /lib/modules/$(KVER)/build

BUILD := $(CURDIR)/build

.PHONY: all module extension tools unit lint vm-test check demo bench clean \
	deps help print-version

all: module extension tools

help:
	@echo 'make            module (KVER=$(KVER)), xtables extension, tools'
	@echo 'make check      every test: unit, lint, VM suites on every kernel'
	@echo 'make demo       boot a VM, count real traffic, print windows'
	@echo 'make unit       userspace unit tests (ASan/UBSan, TSan)'
	@echo 'make lint       checkpatch, sparse, W=1, shellcheck, cppcheck'
	@echo 'make vm-test    VM suites (KVERS="..." to choose kernels)'
	@echo 'make bench      benchmarks (not part of check)'
	@echo 'make deb        Debian packages into build/deb (make rpm: RPMs into build/rpm)'
	@echo 'make install    extension and collector (DESTDIR, PREFIX)'
	@echo 'make dkms-install / dkms-uninstall   the module through DKMS, from this checkout'
	@echo 'make clean'

print-version:
	@echo $(VERSION)

deps:
	ci/deps.sh

module:
	$(MAKE) -C src KDIR=$(KDIR) PKTSTAT_VERSION=$(VERSION)

extension:
	$(MAKE) -C iptables

tools:
	$(MAKE) -C tools

unit:
	$(MAKE) -C tests/unit

lint:
	ci/lint.sh

vm-test: deps
	ci/vm-test.sh

check: deps
	ci/check.sh

demo: deps
	ci/demo.sh

bench: deps
	ci/bench.sh

clean:
	$(MAKE) -C src clean KDIR=$(KDIR) || true
	$(MAKE) -C iptables clean
	$(MAKE) -C tools clean
	$(MAKE) -C tests/unit clean
	rm -rf $(BUILD)

# Packaging, install and benchmark targets live in their own files.
include $(wildcard mk/*.mk)
