# SPDX-License-Identifier: GPL-2.0
# xdax top level.
#   make [KDIR=...]        build module/xdax.ko for KDIR (default: the running kernel,
#                          KVER=`uname -r`; KVER=ABI for another installed kernel)
#   make check             the whole test matrix in QEMU (see README.md)
#   make check-large       the 64 GiB range / NUMA / soft-reserved guests (docs/testing.md)
#   make demo              boot one kernel with a reserved range and run the demo program
#   make bench             xdax vs device-dax, ext4-dax and anonymous memory in one boot per
#                          kernel (KERNELS, default "6.12 7.2"; XDAX_BENCH_REPS, default 5):
#                          tables and plots in build/bench/ (scripts/bench.sh)
#   make deb               the Debian packages (xdax-dkms, xdax-utils, xdax-dev) in build/deb/,
#                          built in the cached bookworm build root (scripts/deb.sh)
#   make docs              render docs/states.png from docs/states.dot (Graphviz)
#   make tool              the xdax command-line tool and its man page (tools/xdax, see its Makefile)
#   make clean
#
# Installing without packages (as root; DESTDIR stages, PREFIX defaults to /usr/local):
#   make install           the module (DKMS when `dkms` is installed and DESTDIR is empty:
#                          dkms add + install -k KVER, and DKMS rebuilds it for every new
#                          kernel; else a plain build for KDIR + modules_install), the tool
#                          (tools/xdax), xdax-check-range, the udev rule, the
#                          modprobe.d / modules-load.d examples, and the system group xdax
#   make uninstall         removes all of that again (the group stays, as Debian does)
#   make install-headers   the UAPI header as $(INCLUDEDIR)/linux/xdax.h
#   make dkms-src          the DKMS source tree in $(DESTDIR)/usr/src/xdax-VERSION
#                          (DKMS_DIR=DIR puts it in DIR instead)
#
# The version has one source: PACKAGE_VERSION in dkms.conf.  debian/changelog must agree
# (scripts/deb.sh refuses to build packages otherwise).

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(CURDIR)/dkms.conf)

DESTDIR ?=
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
DOCDIR ?= $(DATADIR)/doc/xdax
MANDIR ?= $(DATADIR)/man
EXAMPLESDIR ?= $(DOCDIR)/examples
# A local install's rule is the administrator's: /etc/udev/rules.d.  Packages pass
# UDEVRULESDIR=/lib/udev/rules.d (debian/rules).
UDEVRULESDIR ?= /etc/udev/rules.d
DKMS_DIR ?= $(DESTDIR)/usr/src/xdax-$(VERSION)
# The system group the udev rule gives the nodes.
XDAX_GROUP := xdax

# The files DKMS needs: nothing of the test harness, never the generated probe header.
DKMS_FILES := Makefile dkms.conf module/Kbuild module/Makefile $(wildcard module/*.c module/*.h) \
	$(wildcard module/probes/*.c) $(shell find include -name '*.h') scripts/conftest.sh
DKMS_FILES := $(filter-out module/xdax_config.h,$(DKMS_FILES))

# The `xdax` tool is built only where the tree has it (tools/xdax/Makefile).
HAVE_TOOL := $(wildcard tools/xdax/Makefile)

all modules:
	$(MAKE) -C module KDIR=$(KDIR)

check:
	./scripts/check.sh $(KERNELS)

# The 64 GiB + two-node guest and the soft-reserved guest (docs/testing.md): too slow for
# make check's default run.
check-large:
	./scripts/check.sh large soft

demo:
	./scripts/demo.sh $(KERNEL)

bench:
	./scripts/bench.sh $(KERNELS)

deb:
	./scripts/deb.sh

docs:
	./scripts/docs.sh

dkms-src:
	@set -e; for f in $(DKMS_FILES); do \
		install -D -m $$(test -x $$f && echo 755 || echo 644) $$f $(DKMS_DIR)/$$f; done
	@echo "installed xdax $(VERSION) sources in $(DKMS_DIR)"

tool:
ifneq ($(HAVE_TOOL),)
	$(MAKE) -C tools/xdax
endif

# The user-space part: what the xdax-utils package holds.
install-utils: tool
ifneq ($(HAVE_TOOL),)
	$(MAKE) -C tools/xdax install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
endif
	install -D -m 755 scripts/xdax-check-range $(DESTDIR)$(SBINDIR)/xdax-check-range
	install -D -m 644 scripts/xdax-check-range.8 $(DESTDIR)$(MANDIR)/man8/xdax-check-range.8
	install -D -m 644 scripts/udev/60-xdax.rules $(DESTDIR)$(UDEVRULESDIR)/60-xdax.rules
	install -d $(DESTDIR)$(EXAMPLESDIR)/modprobe.d $(DESTDIR)$(EXAMPLESDIR)/modules-load.d
	sed 's|/usr/sbin/xdax-check-range|$(SBINDIR)/xdax-check-range|' scripts/modprobe.d/xdax.conf \
		>$(DESTDIR)$(EXAMPLESDIR)/modprobe.d/xdax.conf
	chmod 644 $(DESTDIR)$(EXAMPLESDIR)/modprobe.d/xdax.conf
	install -m 644 scripts/modules-load.d/xdax.conf $(DESTDIR)$(EXAMPLESDIR)/modules-load.d/xdax.conf

install-headers:
	install -D -m 644 include/uapi/linux/xdax.h $(DESTDIR)$(INCLUDEDIR)/linux/xdax.h

# The module: into DKMS when it is there (it then rebuilds xdax for every new kernel), else a
# plain build for KDIR.  With DESTDIR (staging) only the DKMS source tree is installed.
install-module:
	@set -e; if [ -n "$(DESTDIR)" ]; then \
		$(MAKE) -s dkms-src; \
	elif command -v dkms >/dev/null 2>&1; then \
		$(MAKE) -s dkms-src; \
		dkms add xdax/$(VERSION); \
		dkms install xdax/$(VERSION) -k $(KVER); \
	else \
		$(MAKE) -C module modules_install KDIR=$(KDIR); \
		depmod -a $(KVER); \
	fi

install-group:
	@if [ -z "$(DESTDIR)" ] && ! getent group $(XDAX_GROUP) >/dev/null; then \
		groupadd --system $(XDAX_GROUP) && echo "created the system group $(XDAX_GROUP)"; \
	fi
	@if [ -z "$(DESTDIR)" ] && command -v udevadm >/dev/null 2>&1; then \
		udevadm control --reload 2>/dev/null || true; fi

install: install-module install-utils install-group
	@echo "installed xdax $(VERSION); the examples are in $(EXAMPLESDIR)"

uninstall:
	-@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null 2>&1 && \
		dkms status xdax/$(VERSION) 2>/dev/null | grep -q .; then \
		dkms remove xdax/$(VERSION) --all; fi
	rm -rf $(DKMS_DIR)
	-@if [ -z "$(DESTDIR)" ]; then \
		find /lib/modules/*/updates /lib/modules/*/extra -name 'xdax.ko*' -print -delete \
			2>/dev/null; depmod -a $(KVER) 2>/dev/null; true; fi
ifneq ($(HAVE_TOOL),)
	rm -f $(DESTDIR)$(BINDIR)/xdax $(DESTDIR)$(MANDIR)/man8/xdax.8
endif
	rm -f $(DESTDIR)$(SBINDIR)/xdax-check-range $(DESTDIR)$(MANDIR)/man8/xdax-check-range.8 \
		$(DESTDIR)$(UDEVRULESDIR)/60-xdax.rules \
		$(DESTDIR)$(INCLUDEDIR)/linux/xdax.h
	rm -rf $(DESTDIR)$(EXAMPLESDIR)
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	$(MAKE) -C module clean KDIR=$(KDIR) 2>/dev/null || true
	if [ -d tests ]; then $(MAKE) -C tests clean; fi
ifneq ($(HAVE_TOOL),)
	$(MAKE) -C tools/xdax clean
endif

.PHONY: all modules check check-large demo bench deb docs dkms-src tool install-utils install-headers install-module \
	install-group install uninstall clean
