#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The ext2 client (scripts/gospan-ext2), in a guest with loop devices:
#
#   ext2.sh gospan|slub NFILES
#
# gospan: /modules holds gospan_wrap.ko and the ext2.ko gospan-wrap built
# (gospan.ko is loaded already); slub: the kernel's own ext2.ko, on SLUB.
# On a 64 MiB ext2 image in tmpfs, through /dev/loop0: mke2fs, mount, a
# tree of NFILES files of mixed sizes in NFILES/20 directories (copied from
# a reference tree in tmpfs), every file read back and compared by
# checksum, half the directories renamed and half the files deleted (the
# reference gets the same), sync, unmount, mount again, compare again,
# unmount, rmmod ext2. Prints EXT2-* lines the host checks:
#   EXT2-PHASE name seconds slab_kib gospan_kib   after each phase
#   EXT2-CACHE line                                gospan's caches file rows of ext2
#   EXT2-OK / EXT2-FAIL reason
# Times are /proc/uptime's (deterministic under -icount); memory is the
# kernel's Slab (meminfo) and gospan's Sys, both in KiB.
set -u
mode=${1:?usage: ext2.sh gospan|slub NFILES}
nfiles=${2:-2000}
img=/tmp/ext2.img
mnt=/tmp/mnt
ref=/tmp/ref

fail() {
	echo "EXT2-FAIL $*"
	exit 1
}

uptime_cs() {
	read -r up _ < /proc/uptime
	echo "${up%.*}${up#*.}"
}

slab_kib() {
	awk '/^Slab:/ { print $2 }' /proc/meminfo
}

gospan_kib() {
	if [ -r /sys/kernel/debug/gospan/memstats ]; then
		awk '$1 == "Sys" { print int($2 / 1024) }' /sys/kernel/debug/gospan/memstats
	else
		echo 0
	fi
}

start=$(uptime_cs)
phase() {
	now=$(uptime_cs)
	t=$((now - start))
	echo "EXT2-PHASE $1 $((t / 100)).$((t % 100 / 10))$((t % 10)) $(slab_kib) $(gospan_kib)"
	start=$(uptime_cs)
}

sums() {
	(cd "$1" && find . -type f | sort | xargs md5sum) > "$2" || fail "checksums of $1"
}

case $mode in
gospan)
	insmod /modules/gospan_wrap.ko || fail "insmod gospan_wrap"
	insmod /modules/ext2.ko || fail "insmod ext2 (wrapped)"
	grep -q '^gospan_wrap ' /proc/modules || fail "gospan_wrap is not loaded"
	;;
slub)
	insmod /modules/ext2.ko || fail "insmod ext2"
	;;
*)
	fail "mode $mode"
	;;
esac

# The reference tree, in tmpfs: every file's contents differ (its path and
# a pseudo-random stream), and one awk writes them all (a process per file
# costs too much under TCG).
sizes="0 1 37 512 1000 4095 4096 4097 9000 20000 70000 100 2000 3000 60 8192 300 12000 5 65536"
ndirs=$((nfiles / 20))
[ $ndirs -ge 1 ] || ndirs=1
dirs=
d=0
while [ $d -lt $ndirs ]; do
	dirs="$dirs $ref/d$d/sub"
	d=$((d + 1))
done
rm -rf $ref $img	# a run before this one in the same boot
mkdir -p $mnt $dirs || fail "mkdir reference"
awk -v ref=$ref -v ndirs=$ndirs -v sizes="$sizes" 'BEGIN {
	n = split(sizes, size, " ")
	srand(42)
	for (d = 0; d < ndirs; d++) {
		for (f = 0; f < n; f++) {
			path = ref "/d" d "/f" f
			# A period of 4093 bytes: no two 1 KiB blocks of a file alike.
			s = ""
			while (length(s) < 4093)
				s = s sprintf("%s:%08x:", path, int(rand() * 4294967296))
			s = substr(s, 1, 4093)
			while (length(s) < size[f + 1])
				s = s s
			printf "%s", substr(s, 1, size[f + 1]) > path
			close(path)
		}
	}
}' || fail "writing the reference tree"
phase reference

slab0=$(slab_kib)
gospan0=$(gospan_kib)
dd if=/dev/zero of=$img bs=1M count=64 2> /dev/null || fail "image"
losetup /dev/loop0 $img || fail "losetup"
mke2fs -q -b 1024 -i 4096 /dev/loop0 > /dev/null || fail "mke2fs"
mount -t ext2 /dev/loop0 $mnt || fail "mount"
phase mkfs_mount
cp -a $ref/. $mnt/ || fail "copy into ext2"
phase create
sums $ref /tmp/sum.ref
sums $mnt /tmp/sum.ext2
cmp -s /tmp/sum.ref /tmp/sum.ext2 || fail "contents differ after create"
phase read
if [ "$mode" = gospan ]; then
	grep -E 'ext2' /sys/kernel/debug/gospan/caches | sed 's/^/EXT2-CACHE /'
	grep -qE '^ext2_inode_cache ' /sys/kernel/debug/gospan/caches ||
		fail "ext2_inode_cache is not a gospan cache"
fi
echo "EXT2-PEAK $(($(slab_kib) - slab0)) $(($(gospan_kib) - gospan0))"

# Rename every other directory into /moved, move two files of each of the
# others into its sub/, delete every other file.
for top in $ref $mnt; do
	mkdir $top/moved || fail "mkdir moved"
	evens= gone=
	d=0
	while [ $d -lt $ndirs ]; do
		if [ $((d % 2)) -eq 0 ]; then
			evens="$evens $top/d$d"
			dir=$top/moved/d$d
		else
			dir=$top/d$d
			mv $dir/f1 $dir/f3 $dir/sub/ || fail "move into d$d/sub"
		fi
		for f in 0 2 4 6 8 10 12 14 16 18; do
			gone="$gone $dir/f$f"
		done
		d=$((d + 1))
	done
	mv $evens $top/moved/ || fail "rename directories"
	rm $gone || fail "delete files"
done
sync
phase rename_delete
umount $mnt || fail "umount"
mount -t ext2 /dev/loop0 $mnt || fail "mount again"
sums $ref /tmp/sum.ref
sums $mnt /tmp/sum.ext2
cmp -s /tmp/sum.ref /tmp/sum.ext2 || fail "contents differ after remount"
phase remount_read
umount $mnt || fail "umount again"
losetup -d /dev/loop0
rmmod ext2 || fail "rmmod ext2"
rm -rf $ref $img
phase unmount_rmmod
if [ "$mode" = gospan ]; then
	! grep -qE 'ext2' /sys/kernel/debug/gospan/caches || fail "ext2's caches outlive it"
	grep -E 'live objects' /sys/kernel/debug/gospan/errors | sed 's/^/EXT2-ERRORS /'
	cat /sys/kernel/debug/gospan_wrap/stats | sed 's/^/EXT2-WRAP /'
	rmmod gospan_wrap || fail "rmmod gospan_wrap"
fi
echo "EXT2-OK $nfiles files"
