#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the guest of scripts/gospan-torture, run by scripts/gospan-vm --script
# with gospan loaded and gospan_torture.ko in /modules:
#
#   torture.sh SECONDS INJECT MIX THREADS INTERVAL
#
# Loads the torture module with those parameters, waits for its SUMMARY
# line (the test runs in a kthread), unloads it and gospan (which checks
# that every page went back to the kernel) and scans for leaks where the
# kernel has kmemleak. A failed step prints "GOSPAN-TORTURE: FAIL ...".
seconds=$1 inject=$2 mix=$3 threads=$4 interval=$5
fail() { echo "GOSPAN-TORTURE: FAIL $*"; }

insmod /modules/gospan_torture.ko duration="$seconds" inject="$inject" mix="$mix" \
	threads_per_cpu="$threads" stat_interval="$interval" ||
	{ fail "insmod gospan_torture"; exit 1; }
limit=$((seconds + 300)) waited=0
until dmesg | grep -q 'gospan-torture: SUMMARY'; do
	if [ $waited -ge $limit ]; then
		fail "no summary after $waited s"
		break
	fi
	sleep 2
	waited=$((waited + 2))
done
rmmod gospan_torture || fail "rmmod gospan_torture"
rmmod gospan || fail "rmmod gospan"
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
