# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# A range above the last RAM page of the machine (scripts/vm-large.sh: 1 GiB reserved with
# memmap=1G$135G at the top of node 1): x86 trims node 1's span in numa_meminfo to the last
# RAM page, so memory_add_physaddr_to_nid() answers node 0 for it; the firmware's node
# (phys_to_target_node, from the SRAT) is node 1, and xdax takes that one where it is online.
# Asserted: sysfs numa_node and target_node 1, the range intact, conserved, unloaded.

T_START=$(cmdline top_start)
T_SIZE=$(cmdline top_size)

dmesg_mark
diag "top: range $((T_SIZE >> 20)) MiB at $T_START; $(grep -c . /proc/iomem) iomem lines, $(grep -i "$(printf '%x' "$T_START")" /proc/iomem | head -n 1 | sed 's/^ *//')"
if load ranges=$((T_SIZE >> 20))M@"$T_START"; then
	ok "top: load a range above the last RAM page"
	s=/sys/class/xdax/xdax0
	check "top: numa_node 1 (the firmware's node of a range above all RAM), got $(cat $s/numa_node)" \
		[ "$(cat $s/numa_node)" = 1 ]
	check "top: target_node 1, got $(cat $s/target_node)" [ "$(cat $s/target_node)" = 1 ]
	check "top: /dev/xdax0 covers the range" xdax_dev_ok 0 "$T_START" "$T_SIZE"
	check "top: audit clean and blocks conserved" xdax_audit_ok
	check "top: rmmod" unload
else
	not_ok "top: load a range above the last RAM page" "$LOAD_OUT"
fi
check "top: unload leaves nothing" xdax_gone
check "top: no kernel splat" dmesg_clean_since_mark
