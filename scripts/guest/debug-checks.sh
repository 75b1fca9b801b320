#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the debug and debug-rt guests of make test (scripts/gospan-test), run
# by scripts/gospan-vm --script with gospan and kunit/gospan_kunit.ko loaded
# (the KUnit suites have run by then) and demo/gospan_demo.ko in /modules:
#
#   debug-checks.sh [CPUS [NODES]]     (default 4 CPUs on 2 NUMA nodes)
#
# It checks the guest's shape, prints every debugfs file between
# GOSPAN-DEBUGFS-BEGIN and -END (the host checks them), unloads both
# modules, loads gospan afresh with its tracepoints on, runs the demo
# workload, prints how many events of each kind the trace holds, unloads
# everything and has kmemleak scan. A failed check prints a line starting
# "GOSPAN-TEST: FAIL", which fails the host's console check.
want_cpus=${1:-4}
want_nodes=${2:-2}
fail() { echo "GOSPAN-TEST: FAIL $*"; }

cpus=$(grep -c ^processor /proc/cpuinfo)
[ "$cpus" = "$want_cpus" ] || fail "the guest has $cpus CPUs, not $want_cpus"
nodes=$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)
[ "$nodes" = "$want_nodes" ] || fail "the guest has $nodes NUMA nodes, not $want_nodes"

dmesg -n 1
echo GOSPAN-DEBUGFS-BEGIN
for f in /sys/kernel/debug/gospan/*; do
	[ -f "$f" ] || continue		# fail_grow/: fault injection's knobs
	echo "== ${f##*/}"
	cat "$f" || fail "reading $f"
done
echo GOSPAN-DEBUGFS-END
for f in probability interval times space verbose; do
	[ -f /sys/kernel/debug/gospan/fail_grow/$f ] || fail "no fail_grow/$f in debugfs"
done
dmesg -n 7
rmmod gospan_kunit || fail "rmmod gospan_kunit"
rmmod gospan || fail "rmmod gospan"

# The tracepoints, on a fresh gospan running the demo workload.
t=/sys/kernel/tracing
echo 8192 > $t/buffer_size_kb
echo 0 > $t/options/overwrite
insmod /modules/gospan.ko || fail "insmod gospan again"
echo 1 > $t/events/gospan/enable
insmod /modules/gospan_demo.ko nr_requests=3000 || fail "insmod gospan_demo"
grep -q "^demo-192 *192 *192 *[0-9][0-9]* own *256 " /sys/kernel/debug/gospan/caches ||
	{ fail "the caches row of demo-192:"; cat /sys/kernel/debug/gospan/caches; }
rmmod gospan_demo || fail "rmmod gospan_demo"
echo 0 > $t/events/gospan/enable
# The trace is read once: formatting it is slow under TCG.
cat $t/trace > /tmp/trace
for e in gospan_alloc gospan_free gospan_cache_span gospan_uncache_span gospan_sweep \
	 gospan_span_free gospan_heap_grow; do
	n=$(grep -c " $e: " /tmp/trace)
	echo "GOSPAN-TRACE $e $n"
	[ "$n" -gt 0 ] || fail "no $e event in the trace"
done
grep -m 3 " gospan_alloc: " /tmp/trace
rm /tmp/trace
echo > $t/trace
rmmod gospan || fail "rmmod gospan after the trace"

# kmemleak reports an object that its last two scans found unreferenced
# and unchanged, if the second began 5 s or more after the object was
# allocated: gospan is unloaded by now, so the second scan waits until 6 s
# after that (the first scan alone takes longer under TCG: no wait there).
if [ -e /sys/kernel/debug/kmemleak ]; then
	unloaded=$(cut -d. -f1 /proc/uptime)
	echo scan > /sys/kernel/debug/kmemleak
	left=$((unloaded + 6 - $(cut -d. -f1 /proc/uptime)))
	[ $left -le 0 ] || sleep $left
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
fi
