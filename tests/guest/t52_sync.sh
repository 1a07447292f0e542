# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# fsync, fdatasync and msync(MS_SYNC) on /dev/xdax0 (xdax_sync): they succeed and keep the
# data, and the xfstests t_mmap_dio sequence (O_DIRECT from and into a device mapping, to a
# file on an ext2 file system on a memory-backed null_blk disk) keeps it too.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
R52_NULLB=/sys/kernel/config/nullb/xdaxfs
R52_MNT=/mnt/t52

# r52_disk: a 64 MiB memory-backed null_blk disk with an ext2 file system (busybox mke2fs;
# the ext4 driver mounts it), mounted on R52_MNT.  Prints why not on failure.
r52_disk() {
	[ -d /sys/module/null_blk ] || modprobe null_blk nr_devices=0 ||
		fail "modprobe null_blk failed" || return
	[ -d /sys/kernel/config/nullb ] || mount -t configfs none /sys/kernel/config 2>/dev/null
	[ -d /sys/kernel/config/nullb ] || fail "null_blk has no configfs interface" || return
	[ ! -d $R52_NULLB ] || r52_disk_gone
	mkdir $R52_NULLB || fail "mkdir $R52_NULLB" || return
	echo 64 >$R52_NULLB/size && echo 4096 >$R52_NULLB/blocksize &&
		echo 1 >$R52_NULLB/memory_backed && echo 1 >$R52_NULLB/power ||
		fail "null_blk configfs attributes refused" || return
	i=0
	R52_DEV=
	while [ $i -lt 50 ] && [ -z "$R52_DEV" ]; do
		for d in /dev/xdaxfs /dev/nullb"$(cat $R52_NULLB/index)"; do
			[ -b "$d" ] && R52_DEV=$d
		done
		[ -n "$R52_DEV" ] || sleep 0.1
		i=$((i + 1))
	done
	[ -n "$R52_DEV" ] || fail "no block device for $R52_NULLB" || return
	# ext4 before 7.x wants the crc32c crypto driver even for an ext2 file system.
	modprobe crc32c_generic 2>/dev/null
	modprobe ext4 2>/dev/null
	out=$(mke2fs -F -b 4096 "$R52_DEV" 2>&1) || fail "mke2fs $R52_DEV: $out" || return
	mkdir -p $R52_MNT
	out=$(mount -t ext4 "$R52_DEV" $R52_MNT 2>&1) || fail "mount -t ext4 $R52_DEV: $out" || return
	grep -q " $R52_MNT ext4 " /proc/mounts || fail "$R52_MNT not an ext4 mount: $(grep $R52_MNT /proc/mounts)"
}

r52_disk_gone() {
	umount $R52_MNT 2>/dev/null
	[ ! -d $R52_NULLB ] && return 0
	echo 0 >$R52_NULLB/power
	rmdir $R52_NULLB
}

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	ok "sync: load ranges=$((R_SIZE >> 20))M@$R_START"
	case_point xdax_sync /dev/xdax0 sync-calls \
		"sync sync-calls: msync MS_SYNC/MS_ASYNC/MS_INVALIDATE, fsync, fdatasync return 0 (PMD and PTE mappings, two opens, no mapping, past the size); data unchanged"
	if r52_out=$(r52_disk 2>&1); then
		ok "sync: ext2 on a memory-backed null_blk, mounted with the ext4 driver"
		export XDAX_SYNC_DIR=$R52_MNT
		case_point xdax_sync /dev/xdax0 mmap-dio \
			"sync mmap-dio: t_mmap_dio: O_DIRECT write from the mapping to an ext2 file, fsync, msync(MS_SYNC), clear, O_DIRECT read back, compare"
		unset XDAX_SYNC_DIR
	else
		not_ok "sync: ext2 on a memory-backed null_blk, mounted with the ext4 driver" "$r52_out"
	fi
	r52_disk_gone
	check "sync: audit clean and blocks conserved" xdax_audit_ok
	check "sync: rmmod" unload
else
	not_ok "sync: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT"
fi
check "sync: unload leaves nothing" xdax_gone
check "sync: no kernel splat" dmesg_clean_since_mark
