# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# The range's NUMA node.  On a two-node guest (7.3 boots with two: scripts/vm.sh, the range on
# node 1) the load runs on a node-0 CPU, and the device must say numa_node 1 and target_node 1
# (sysfs, as device-dax), and its struct pages must be node 1's: the range is in node 1's
# ZONE_DEVICE (/proc/zoneinfo: node 1's Device zone spans at least the range's pages, exactly
# them if it spanned nothing before; node 0's does not change).  A ZONE_DEVICE span never
# shrinks (the kernel does not shrink device zones), so after earlier loads in the same boot
# the zone check proves less.  Where the memory map's own pages come from is only shown, as
# the nodes' MemFree drop at the load (a figure, not asserted: other allocations and frees
# move it by as much; observed on 7.3 in two runs of this module: node 0 0 and 476 kB,
# node 1 156 and 1908 kB; with NUMA_NO_NODE: node 0 4032 kB, node 1 -1532 kB).  The
# large-range guest (x10_large.sh) asserts it, where a 64 GiB range's 256 MiB memory map
# dwarfs that noise.  With NUMA_NO_NODE, memremap_pages() takes
# the loading CPU's node: 0.  On one node: numa_node 0 where the kernel has NUMA, absent
# where not.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
R56_SYS=/sys/class/xdax/xdax0
R56_NODES=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)

# r56_spanned NODE: pages spanned by NODE's Device zone (0 if it lists none).
r56_spanned() {
	awk -v n="$1," '$1 == "Node" { z = ($2 == n) ? $4 : "" }
		z == "Device" && $1 == "spanned" { print $2; f = 1; z = "" }
		END { if (!f) print 0 }' /proc/zoneinfo
}

# r56_free NODE: NODE's MemFree in kB, with every CPU's pending counter deltas folded in first
# (vm/stat_refresh; otherwise the counters lag by up to a second and a few hundred pages).
r56_free() {
	echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null
	awk '$3 == "MemFree:" { print $4 }' "/sys/devices/system/node/node$1/meminfo"
}

r56_attr() { cat "$R56_SYS/$1" 2>/dev/null || echo absent; }

# r56_single "NUMA_NODE TARGET_NODE": the attributes of a guest without two nodes.
r56_single() {
	got="$(r56_attr numa_node) $(r56_attr target_node)"
	[ "$got" = "$1" ] || fail "numa_node, target_node: $got, expected $1"
}

r56_nodes_ok() {
	[ "$(r56_attr numa_node)" = 1 ] || fail "numa_node $(r56_attr numa_node), expected 1" || return
	[ "$(r56_attr target_node)" = 1 ] || fail "target_node $(r56_attr target_node), expected 1"
}

r56_zone_ok() {
	want=$((R_SIZE / 4096))
	echo "# figure: Device zone spanned pages: node 0 $R56_S0A -> $R56_S0B, node 1 $R56_S1A -> $R56_S1B"
	[ "$R56_S1B" -ge "$want" ] ||
		fail "node 1 Device zone spans $R56_S1B pages, less than the range's $want" || return
	[ "$R56_S1A" != 0 ] || [ "$R56_S1B" = "$want" ] ||
		fail "node 1 Device zone spanned 0 -> $R56_S1B, expected $want" || return
	[ "$R56_S0B" = "$R56_S0A" ] || fail "node 0 Device zone spanned $R56_S0A -> $R56_S0B"
}

dmesg_mark
if [ "$R56_NODES" -ge 2 ]; then
	R56_CPU=$(cut -d, -f1 /sys/devices/system/node/node0/cpulist | cut -d- -f1)
	R56_S0A=$(r56_spanned 0) R56_S1A=$(r56_spanned 1) R56_F0A=$(r56_free 0) R56_F1A=$(r56_free 1)
	if LOAD_OUT=$(taskset -c "$R56_CPU" modprobe xdax ranges=$((R_SIZE >> 20))M@"$R_START" 2>&1); then
		R56_S0B=$(r56_spanned 0) R56_S1B=$(r56_spanned 1) R56_F0B=$(r56_free 0) R56_F1B=$(r56_free 1)
		ok "numa: load on CPU $R56_CPU (node 0) of a $R56_NODES-node guest"
		check "numa: numa_node 1 and target_node 1 (the range is node 1's)" r56_nodes_ok
		diag "figure: MemFree drop at load: node 0 $((R56_F0A - R56_F0B)) kB, node 1 $((R56_F1A - R56_F1B)) kB"
		check "numa: the range is in node 1's ZONE_DEVICE (/proc/zoneinfo), not node 0's" r56_zone_ok
		check "numa: audit clean and blocks conserved" xdax_audit_ok
		check "numa: rmmod" unload
	else
		not_ok "numa: load on CPU $R56_CPU (node 0)" "$LOAD_OUT"
	fi
elif load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	ok "numa: load ranges=$((R_SIZE >> 20))M@$R_START ($R56_NODES NUMA nodes)"
	if [ "$R56_NODES" = 1 ]; then
		check "numa: one node: numa_node 0, target_node 0" r56_single "0 0"
	else
		check "numa: a kernel without NUMA: no numa_node attribute, target_node 0" \
			r56_single "absent 0"
	fi
	check "numa: audit clean and blocks conserved" xdax_audit_ok
	check "numa: rmmod" unload
else
	not_ok "numa: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT"
fi
check "numa: unload leaves nothing" xdax_gone
check "numa: no kernel splat" dmesg_clean_since_mark
