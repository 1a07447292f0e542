# SPDX-License-Identifier: GPL-2.0
# xdax top level.
#   make [KDIR=...]        build module/xdax.ko for KDIR (default: the running kernel)
#   make check             the whole test matrix in QEMU (see README.md)
#   make demo              boot one kernel with a reserved range and run the demo program
#   make docs              render docs/states.png from docs/states.dot (Graphviz)
#   make tool              the xdax command-line tool and its man page (tools/xdax, see its Makefile)
#   make clean
#   make dkms-src DESTDIR=/usr/src/xdax-VERSION   install the DKMS source tree

KDIR ?= /lib/modules/$(shell uname -r)/build
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(CURDIR)/dkms.conf)
DESTDIR ?= /usr/src/xdax-$(VERSION)

# The files DKMS needs: nothing of the test harness.
DKMS_FILES := Makefile dkms.conf module/Kbuild module/Makefile $(wildcard module/*.c module/*.h) \
	$(wildcard module/probes/*.c) $(shell find include -name '*.h') scripts/conftest.sh

all modules:
	$(MAKE) -C module KDIR=$(KDIR)

check:
	./scripts/check.sh $(KERNELS)

demo:
	./scripts/demo.sh $(KERNEL)

docs:
	./scripts/docs.sh
tool:
	$(MAKE) -C tools/xdax

dkms-src:
	@set -e; for f in $(filter-out module/xdax_config.h,$(DKMS_FILES)); do \
		install -D -m $$(test -x $$f && echo 755 || echo 644) $$f $(DESTDIR)/$$f; done
	@echo "installed xdax $(VERSION) sources in $(DESTDIR)"

clean:
	$(MAKE) -C module clean KDIR=$(KDIR) 2>/dev/null || true
	if [ -d tests ]; then $(MAKE) -C tests clean; fi

.PHONY: all modules check demo docs tool dkms-src clean
