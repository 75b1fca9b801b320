# SPDX-License-Identifier: GPL-2.0
#
# gospan, out of tree. On a real machine:   make && sudo insmod gospan.ko
# In the project's guest kernels:           make run | make test | make vm | make torture
# Everything that needs a guest goes through scripts/gospan-vm.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

# Regenerate the size-class tables (committed; make check verifies them).
sizeclasses:
	scripts/mksizeclasses --header sizeclasses.h --source sizeclasses.c

# checkpatch --strict, sparse (C=2) and a W=1 build: any warning fails.
check:
	scripts/gospan-check

# The whole test suite; the last line reads "N passed, N failed".
test:
	scripts/gospan-test

# Boot the perf kernel with gospan, run the demo workload, print its
# rounding loss against kmalloc's and gospan-stat's summary; FULL=1 prints
# every debugfs table in full as well.
run:
	scripts/gospan-run $(if $(filter-out 0,$(FULL)),--full)

# gospan against SLUB on the perf kernel: bench/results/ (CSV, summary.md,
# plots); BENCH_KERNEL=stock-6.12 for SLUB as Debian ships it
# (bench/results/stock-6.12/).
bench:
	scripts/gospan-bench $(if $(BENCH_KERNEL),--kernel $(BENCH_KERNEL))

# Hammer gospan in a guest for SECONDS (default 600) on KERNEL (debug,
# debug-rt or perf; default debug).
SECONDS ?= 600
KERNEL ?= debug
torture:
	scripts/gospan-torture --kernel $(KERNEL) --seconds $(SECONDS)

# An interactive guest shell with gospan loaded (KERNEL=... for another).
vm:
	scripts/gospan-vm --kernel $(KERNEL)

.PHONY: all modules modules_install clean sizeclasses check test run bench torture vm
