#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the stock-6.12 guest of scripts/gospan-trace, without gospan: turn on
# the kmem tracepoints, run a workload that exercises the kernel (processes,
# a file tree on tmpfs, an archive job, HTTP over loopback, /proc and /sys
# walks), and print the trace, gzipped and base64-encoded, between
# GOSPAN-TRACE-BEGIN and GOSPAN-TRACE-END for the host to decode.
dmesg -n 1
t=/sys/kernel/tracing
echo 65536 > $t/buffer_size_kb
for e in kmalloc kfree kmem_cache_alloc kmem_cache_free; do
	echo 1 > $t/events/kmem/$e/enable
done
echo 1 > $t/tracing_on
# processes and pipes
for i in $(seq 1 40); do echo $i | sed s/1/2/ | sort > /dev/null; done
# a file tree on tmpfs, then an archive job
mkdir -p /tmp/tree /tmp/www
for d in $(seq 1 12); do
	mkdir -p /tmp/tree/d$d
	for f in $(seq 1 15); do
		dd if=/dev/urandom of=/tmp/tree/d$d/f$f bs=$((d * 97 + f * 13)) count=1 2>/dev/null
		echo "file $d $f" >> /tmp/tree/d$d/index
	done
done
tar -czf /tmp/tree.tgz -C /tmp tree
mkdir /tmp/x && tar -xzf /tmp/tree.tgz -C /tmp/x
find /tmp/x -type f | xargs md5sum > /tmp/sums
cp -r /tmp/x /tmp/y && rm -rf /tmp/x
# HTTP over loopback
ip link set lo up
cp /tmp/tree.tgz /tmp/sums /tmp/www/
httpd -p 127.0.0.1:8080 -h /tmp/www
for i in $(seq 1 15); do
	wget -q -O /dev/null http://127.0.0.1:8080/tree.tgz
	wget -q -O /dev/null http://127.0.0.1:8080/sums
done
killall httpd
# the kernel's own file systems
ls -lR /sys/kernel /sys/devices/system > /dev/null 2>&1
cat /proc/[0-9]*/status /proc/meminfo /proc/slabinfo > /dev/null 2>&1
rm -rf /tmp/y /tmp/tree
echo 0 > $t/tracing_on
echo "GOSPAN-TRACE-LOST $(cat $t/per_cpu/cpu*/stats | sed -n "s/^overrun: //p" | tr "\n" " ")"
echo GOSPAN-TRACE-BEGIN
cat $t/trace | gzip -c | base64
echo GOSPAN-TRACE-END
