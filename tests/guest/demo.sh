#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo, inside the guest: load xdax over the reserved range and show what a user sees.
# Each step prints its command and output, then a TAP line, so the host judges it like a test.
cd /xdax || exit 1
. ./lib.sh
R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)

step() {
	echo
	echo "demo\$ $1"
	if sh -c "$1" 2>&1; then ok "$1"; else not_ok "$1"; fi
}
step "grep -i -e reserved -e xdax /proc/iomem"
step "xdax check-range -v $((R_SIZE >> 20))M@$R_START"
step "modprobe xdax ranges=$((R_SIZE >> 20))M@$R_START && dmesg | grep -E '\\] xdax'"
step "ls -l /dev/xdax*"
step "xdax list -u"
step "xdax_demo /dev/xdax0"
step "xdax stats xdax0"
step "xdax audit xdax0"
step "rmmod xdax && ! ls /dev/xdax* 2>/dev/null && dmesg | tail -n 1"
echo "1..$T_NUM"
echo "# xdax-guest: done"
