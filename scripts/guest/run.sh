#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the guest of make run (scripts/gospan-run) and gospan-stat --vm, with
# gospan and demo/gospan_demo.ko loaded (the demo has printed its rounding
# figures): print every file under /sys/kernel/debug/gospan/, each after a
# line "=== PATH" (gospan-stat --dump reads them back), then unload both;
# gospan checks that every page went back to the kernel. Kernel messages
# stay off the console meanwhile, so that none lands inside a table.
dmesg -n 1
for f in /sys/kernel/debug/gospan/*; do
	[ -f "$f" ] || continue		# fail_grow/: fault injection's knobs
	echo "=== $f"
	cat "$f"
done
dmesg -n 7
rmmod gospan_demo && rmmod gospan
