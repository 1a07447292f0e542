# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# insmod/rmmod cycles: after each load and each unload, /proc/iomem, the device nodes and
# the kernel log are checked.  xdaxtest.cycles sets the count (50 by default; raise it for
# soaks).  insmod takes the module file where DKMS (or kbuild) installed it.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
CYCLES=$(cmdline cycles 50)

cycle_all() {
	i=1
	while [ $i -le "$CYCLES" ]; do
		dmesg_mark
		out=$(insmod "$KO" ranges=$((R_SIZE >> 20))M@$R_START 2>&1) ||
			fail "cycle $i: insmod: $out"
		xdax_dev_ok 0 "$R_START" "$R_SIZE" || fail "cycle $i: after load"
		rmmod xdax || fail "cycle $i: rmmod"
		xdax_gone || fail "cycle $i: after unload"
		dmesg_since | grep -q "xdax: unloaded" || fail "cycle $i: no unload message"
		dmesg_clean_since_mark || fail "cycle $i"
		i=$((i + 1))
	done
}
KO=$(modinfo -n xdax)
t0=$(date +%s)
check "$CYCLES load/unload cycles, each checked (iomem, nodes, sysfs, dmesg)" cycle_all
diag "$CYCLES cycles in $(($(date +%s) - t0)) s"
