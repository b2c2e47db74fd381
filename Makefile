# SPDX-License-Identifier: GPL-2.0
#
# wdfq: out-of-tree module build plus the test harness.
#
#   make [KDIR=...]          build the modules (kmod/*/: engine, driver, tests)
#   make modules_install     install the engine and the driver (not the tests)
#                            into $(INSTALL_MOD_PATH)/lib/modules/<release>/updates
#   make install             wdfqctl into $(DESTDIR)$(PREFIX)/bin (PREFIX=/usr/local)
#   make install-headers     linux/wdfq.h into $(DESTDIR)$(INSTALL_HDR_PATH)/include
#                            (INSTALL_HDR_PATH=$(PREFIX))
#   make dkms-source         the module sources + dkms.conf into
#                            $(DESTDIR)/usr/src/wdfq-<version> (then: dkms install)
#   make clean
#   make run [HW=edu]        boot the default kernel in QEMU and show the driver
#                            (HW=edu: on QEMU's edu PCI device, /dev/wdfq0)
#   make check [KERNELS=..]  lint + tests on every kernel (scripts/kernels.conf),
#                            and 6.12-edu, debug-edu (the edu PCI backend)
#   make lint                sparse, W=1, checkpatch --strict, kernel-doc
#   make vm-shell [KERNEL=]  interactive shell in the VM, module loaded
#   make vm-exec CMD='...'   run one command in the VM, module loaded
#   make bench [KERNELS=..]  benchmark table: engine, device vs baselines
#   make fuzz [KERNEL=] [SECONDS=600] [SEED=n]  a longer ioctl/read/write fuzz
#   make install-check       the install targets and a DKMS build, checked in
#                            private trees (part of make check)
#   make stress [KERNEL=] [SECONDS=600] [SEED=n] a longer chaos run (wdfq_chaos)
#
# Kernel-side code runs only in QEMU (see README.md).

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
WDFQ_BUILD ?= $(TOP)/build
DEFAULT_KERNEL := $(shell awk '$$1 == "default" { print $$3 }' $(TOP)/scripts/kernels.conf)
KERNEL ?= $(DEFAULT_KERNEL)
KERNELS ?=
# make run's hardware backend: sim (simulated) or edu (QEMU's edu device)
HW ?= sim

# KDIR: the running kernel's build tree when it exists, else the default
# test kernel's headers (fetched into build/ on first use).
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(origin KDIR),undefined)
ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
KDIR := $(RUNNING_KDIR)
else
KDIR := $(WDFQ_BUILD)/kernels/$(DEFAULT_KERNEL)/kdir
FETCH_KDIR := 1
endif
endif

export WDFQ_BUILD KVM EXTRA_FILES HOST_BINS

.PHONY: all modules modules_install clean help kernels selftests \
	check lint run vm-shell vm-exec deps bench fuzz stress install uninstall \
	install-headers dkms-source install-check

# Installation paths (GNU conventions; DESTDIR for staging).
PREFIX ?= /usr/local
INSTALL_HDR_PATH ?= $(PREFIX)
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(TOP)/dkms.conf)
DKMS_SRC ?= /usr/src/wdfq-$(VERSION)

all: modules

modules:
ifdef FETCH_KDIR
	@$(TOP)/scripts/deps.sh build
	@$(TOP)/scripts/fetch-kernel.sh $(DEFAULT_KERNEL)
endif
	$(MAKE) -C $(KDIR) M=$(TOP) WDFQ_TESTS=m modules

# The engine and the driver only: rebuild the module list without the test
# modules first (nothing recompiles), then install what it names.
# scripts/install-check.sh checks that nothing else is installed.
modules_install:
ifdef FETCH_KDIR
	@$(TOP)/scripts/deps.sh build
	@$(TOP)/scripts/fetch-kernel.sh $(DEFAULT_KERNEL)
endif
	$(MAKE) -C $(KDIR) M=$(TOP) WDFQ_TESTS= modules
	$(MAKE) -C $(KDIR) M=$(TOP) modules_install

# Not "make -C $(KDIR) M=$(TOP) clean": kbuild's clean runs find over all of
# M=, which would also wipe the kernel trees cached under build/.
clean:
	find $(TOP)/kmod $(TOP)/samples \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name '.*.d' \
		-o -name '*.mod.o' -o -name '.*.tmp' \) -type f -delete
	rm -f $(TOP)/modules.order $(TOP)/Module.symvers $(TOP)/kmod/modules.order $(TOP)/kmod/*/modules.order \
		$(TOP)/samples/*/modules.order $(TOP)/samples/*/Module.symvers \
		$(TOP)/.module-common.o $(wildcard $(TOP)/.*.cmd)
	$(MAKE) -C $(TOP)/selftests/wdfq clean
	$(MAKE) -C $(TOP)/tools/wdfq-bench clean
	$(MAKE) -C $(TOP)/tools/wdfq-demo clean
	$(MAKE) -C $(TOP)/tools/wdfq-examples clean
	$(MAKE) -C $(TOP)/tools/wdfqctl OUTPUT=$(WDFQ_BUILD)/tools clean

# wdfqctl, built in build/tools like the other tools.
install:
	$(MAKE) -C $(TOP)/tools/wdfqctl OUTPUT=$(WDFQ_BUILD)/tools PREFIX=$(PREFIX) install

uninstall:
	$(MAKE) -C $(TOP)/tools/wdfqctl OUTPUT=$(WDFQ_BUILD)/tools PREFIX=$(PREFIX) uninstall

# The uapi header, for programs that include <linux/wdfq.h>.
install-headers:
	install -D -m 644 $(TOP)/uapi/linux/wdfq.h \
		$(DESTDIR)$(INSTALL_HDR_PATH)/include/linux/wdfq.h

# What dkms.conf builds from: the kbuild files, kmod/ and the uapi header.
# kmod/tests comes along for kbuild's clean, which visits it; it is not built.
dkms-source:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	mkdir -p $(DESTDIR)$(DKMS_SRC)/kmod
	cd $(TOP) && cp -R dkms.conf Kbuild COPYING uapi $(DESTDIR)$(DKMS_SRC)/
	cd $(TOP)/kmod && tar --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='modules.order' \
		--exclude='Module.symvers' --exclude='.*.d' -cf - . | tar -C $(DESTDIR)$(DKMS_SRC)/kmod -xf -

install-check:
	@$(TOP)/scripts/install-check.sh

help:
	@sed -n '3,/^$$/s/^# \{0,1\}//p' $(TOP)/Makefile

# Fetch (and build, for the debug kernel) every test kernel into build/.
kernels:
	@$(TOP)/scripts/deps.sh check
	@for k in $(or $(KERNELS),$(shell $(TOP)/scripts/kernels.sh)); do \
		$(TOP)/scripts/fetch-kernel.sh $$k || exit 1; done

selftests:
	@$(TOP)/scripts/deps.sh build
	@$(TOP)/scripts/fetch-kernel.sh --source debug
	$(MAKE) -C $(TOP)/selftests/wdfq \
		KSFT_DIR=$(WDFQ_BUILD)/kernels/debug/src/tools/testing/selftests \
		OUTPUT=$(WDFQ_BUILD)/selftests

deps:
	@$(TOP)/scripts/deps.sh check

check:
	@$(TOP)/scripts/check.sh $(KERNELS)

lint:
	@$(TOP)/scripts/lint.sh

run:
	@$(TOP)/scripts/vm.sh --kernel $(KERNEL) --hw $(HW) --mode run

bench:
	@$(TOP)/scripts/bench.sh $(KERNELS)

# The fuzzer of make check (selftests/wdfq/wdfq_fuzz.c), for longer; SEED
# replays a run whose seed a report printed.
SECONDS ?= 600
fuzz:
	@$(TOP)/scripts/vm.sh --kernel $(KERNEL) --timeout $$(($(SECONDS) * 2 + 600)) \
		--run 'cd /wdfq/kselftest/wdfq && WDFQ_FUZZ_SECONDS=$(SECONDS) $(if $(SEED),WDFQ_FUZZ_SEED=$(SEED)) ./wdfq_fuzz'

# The chaos run of make check (selftests/wdfq/wdfq_chaos.c), for longer; SEED
# replays the draws of a run whose seed a report printed; SLEEP=0 leaves out
# the system sleep cycles (make check's pass runs them too).
SLEEP ?= 1
stress:
	@$(TOP)/scripts/vm.sh --kernel $(KERNEL) --timeout $$(($(SECONDS) * 2 + 600)) \
		--run 'cd /wdfq/kselftest/wdfq && WDFQ_CHAOS_SECONDS=$(SECONDS) WDFQ_CHAOS_SLEEP=$(SLEEP) $(if $(SEED),WDFQ_CHAOS_SEED=$(SEED)) ./wdfq_chaos'

vm-shell:
	@$(TOP)/scripts/vm.sh --kernel $(KERNEL) --hw $(HW) --mode shell

vm-exec:
	@test -n "$(CMD)" || { echo "usage: make vm-exec CMD='command'" >&2; exit 2; }
	@$(TOP)/scripts/vm.sh --kernel $(KERNEL) --hw $(HW) --mode exec --run "$(CMD)"
