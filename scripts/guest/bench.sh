#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the perf guest of make bench (scripts/gospan-bench), with gospan loaded
# and bench/gospan_bench.ko and the replay's events (replay.bin) in /modules:
#
#   bench.sh TESTS        (a comma-separated list: pair,batch,...)
#
# gospan_bench runs the tests from its init and prints CSV lines to the
# console, which the host collects.
insmod /modules/gospan_bench.ko tests="${1:?usage: bench.sh TESTS}"
