#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the stock guests of make test (scripts/gospan-test), run by
# scripts/gospan-vm --script with gospan loaded:
#
#   stock-checks.sh [NR_REQUESTS]
#
# gospan's debugfs files must read and gospan must unload. With NR_REQUESTS,
# demo/gospan_demo.ko (in /modules) first runs that many requests and holds
# its working set while the files are read, then unloads. A failed check
# prints a line starting "GOSPAN-TEST: FAIL", which fails the host's check.
nr=${1:-}
fail() { echo "GOSPAN-TEST: FAIL $*"; }

ls /sys/kernel/debug/gospan
if [ -n "$nr" ]; then
	insmod /modules/gospan_demo.ko nr_requests="$nr" || fail "insmod gospan_demo"
	grep -q "^demo-192 " /sys/kernel/debug/gospan/caches ||
		{ fail "no demo-192 row in caches:"; cat /sys/kernel/debug/gospan/caches; }
	grep -E '^(Mallocs|Frees|HeapObjects|HeapInuse) ' /sys/kernel/debug/gospan/memstats
fi
for f in /sys/kernel/debug/gospan/*; do
	[ -f "$f" ] || continue		# fail_grow/: fault injection's knobs
	cat "$f" > /dev/null || fail "reading $f"
done
if [ -n "$nr" ]; then
	rmmod gospan_demo || fail "rmmod gospan_demo"
fi
rmmod gospan || fail "rmmod gospan"
