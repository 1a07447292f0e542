# shellcheck shell=sh
# shellcheck disable=SC2046 # set -- $(x10_free): three numbers, split on purpose
# SPDX-License-Identifier: GPL-2.0
# The large-range guest (make check-large, scripts/vm-large.sh): a 64 GiB reserved range for
# xdax and an equally large legacy-pmem range for device-dax, both on NUMA node 1 of two.
# zero_pool_mb=64: the background pre-zeroing pool touches at most 64 MiB of the range, so
# QEMU allocates little of it.  Figures (printed, never asserted): load, unload and audit time, a populate of 1 GiB, next
# to device-dax's `ndctl create-namespace` (map=mem: its struct pages in RAM, as xdax's).
# Asserted: the load works and is conserved; the RAM it takes (MemFree drop, struct pages
# included) is at most 1.6% of the range; xdax's fixed block tables take at most 8 bytes a
# block; the struct pages are node 1's (node 1's MemFree drops by at least 3/4 of the
# memory map the kernel builds for 2 MiB compound pages, node 0's by less than 1/8 of node
# 1's), with the same predicate run with the nodes swapped as a control that must fail;
# numa_node and target_node are 1.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
P_START=$(cmdline pmem_start)
R_GIB=$((R_SIZE >> 30))
R_BLOCKS=$((R_SIZE >> 21))
# The memory map with vmemmap dedup for 2 MiB compound pages: 2 of each block's 8 pages of
# struct pages are allocated (the head's and one tail page that the rest share): 8 KiB a block.
X10_MAP_KB=$((R_BLOCKS * 8))

# x10_free: "MemFree node0 node1" in kB, counters folded first (vm/stat_refresh).
x10_free() {
	echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null
	printf '%s %s %s\n' "$(awk '$1 == "MemFree:" { print $2 }' /proc/meminfo)" \
		"$(awk '$3 == "MemFree:" { print $4 }' /sys/devices/system/node/node0/meminfo)" \
		"$(awk '$3 == "MemFree:" { print $4 }' /sys/devices/system/node/node1/meminfo)"
}
# x10_pct PART WHOLE: PART as a percentage of WHOLE, two decimals.
x10_pct() { v=$(($1 * 10000 / $2)); printf '%d.%02d%%' $((v / 100)) $((v % 100)); }
x10_total() { awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo; }

# x10_settle: wait (up to 30 s) until MemFree moves by less than 2 MiB in a second: frees
# that the kernel defers (RCU, vmemmap teardown) must not land in the next measurement.
x10_settle() {
	i=0
	while [ $i -lt 30 ]; do
		a=$(x10_free | cut -d' ' -f1)
		sleep 1
		b=$(x10_free | cut -d' ' -f1)
		[ $((a - b)) -lt 2048 ] && [ $((b - a)) -lt 2048 ] && return 0
		i=$((i + 1))
	done
}

# x10_us OUTPUT: the time_us figure of `xdax_large time`.
x10_us() { echo "$1" | sed -n 's/^# figure: time_us //p' | tail -n 1; }

# x10_node_ok WANT OTHER DROP_WANT DROP_OTHER: the struct pages are on node WANT.
x10_node_ok() {
	[ "$3" -ge $((X10_MAP_KB * 3 / 4)) ] ||
		fail "node $1 MemFree dropped $3 kB, less than 3/4 of the $X10_MAP_KB kB memory map" || return
	[ $(($4 * 8)) -lt "$3" ] || fail "node $2 MemFree dropped $4 kB, not under 1/8 of node $1's $3 kB"
}

x10_attrs_ok() {
	s=/sys/class/xdax/xdax0
	[ "$(cat $s/numa_node)" = 1 ] || fail "numa_node $(cat $s/numa_node), expected 1" || return
	[ "$(cat $s/target_node)" = 1 ] || fail "target_node $(cat $s/target_node), expected 1"
}

x10_tables_ok() {
	b=$(dmesg | sed -n 's/.*xdax0: .*block tables \([0-9]*\) bytes.*/\1/p' | tail -n 1)
	[ -n "$b" ] || fail "no 'block tables' figure in the load's log line" || return
	echo "# figure: xdax block tables $b bytes for $R_BLOCKS blocks ($(x10_pct "$b" $((R_BLOCKS * 100)) | tr -d %) bytes a block)"
	[ "$b" -le $((R_BLOCKS * 8)) ] || fail "block tables take $b bytes, more than 8 a block"
}

dmesg_mark
if [ "$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)" != 2 ]; then
	not_ok "large: the guest has two NUMA nodes" "$(ls -d /sys/devices/system/node/node*)"
fi
diag "figure: guest MemTotal $(x10_total) kB; range ${R_GIB} GiB at $R_START, pmem ${R_GIB} GiB at $P_START"
# Node 1's RAM is backed by QEMU lazily (memory-backend-ram,reserve=off): the first write to
# a guest page costs a host page fault (~11 us a 4 KiB page, measured on a nested host).
# Whichever of xdax and device-dax allocates its memory map first from never-touched node-1
# RAM pays it (~0.7 s for the 256 MiB of a 64 GiB map); device-dax's raw namespace
# (nd_pmem) touches and frees 1 GiB of node-1 RAM before create-namespace, so without this
# only xdax paid it.  Touch 1 GiB of node 1 once (tmpfs written on the node-1 CPU, then
# freed) so that both start warm; QEMU's peak RSS grows by up to that GiB.
taskset -c 1 dd if=/dev/zero of=/tmp/x10warm bs=1M count=1024 2>/dev/null
rm -f /tmp/x10warm
# The fixed cost first: a 1 GiB load (the same module, the first GiB of the range), so
# that the cost per GiB is the difference over the other 63.
x10_settle
out=$(taskset -c 0 xdax_large time modprobe xdax zero_pool_mb=64 ranges=1024M@"$R_START" 2>&1) ||
	not_ok "large: load 1 GiB" "$out"
T1=$(x10_us "$out")
unload
x10_settle
set -- $(x10_free)
F_A=$1 F0_A=$2 F1_A=$3
# On a node-0 CPU: a device without a node would get its struct pages from node 0.
if out=$(taskset -c 0 xdax_large time modprobe xdax zero_pool_mb=64 ranges=$((R_SIZE >> 20))M@"$R_START" 2>&1); then
	x10_settle
	set -- $(x10_free)
	D=$((F_A - $1)) D0=$((F0_A - $2)) D1=$((F1_A - $3))
	T=$(x10_us "$out")
	ok "large: load ${R_GIB} GiB"
	echo "# figure: xdax load: 1 GiB $((T1 / 1000)) ms, ${R_GIB} GiB $((T / 1000)) ms: $(((T - T1) / (R_GIB - 1))) us per GiB beyond the first"
	# The module's own split: the kernel's memmap init vs xdax's pass over every block.
	dmesg | sed -n 's/.*xdax0: .*\(memremap_pages [0-9]* us, freeze [0-9]* us\).*/# figure: xdax load '"${R_GIB}"' GiB: \1/p' |
		tail -n 1
	echo "# figure: xdax RAM taken: MemFree -$D kB ($(x10_pct "$D" $((R_SIZE >> 10))) of the range; memory map with dedup $X10_MAP_KB kB, without $((R_SIZE >> 16)) kB); node 0 -$D0 kB, node 1 -$D1 kB; MemTotal $(x10_total) kB"
	check "large: RAM taken <= 1.6% of the range ($D kB of $((R_SIZE >> 10)) kB)" \
		test $((D * 1000)) -le $(((R_SIZE >> 10) * 16))
	check "large: block tables <= 8 bytes a block" x10_tables_ok
	check "numa: numa_node 1, target_node 1" x10_attrs_ok
	check "numa: the struct pages are node 1's (MemFree: node 1 -$D1 kB, node 0 -$D0 kB)" \
		x10_node_ok 1 0 "$D1" "$D0"
	if x10_node_ok 0 1 "$D0" "$D1" >/dev/null; then
		not_ok "numa: control: the same check with the nodes swapped fails" \
			"node 0 -$D0 kB, node 1 -$D1 kB: the check cannot tell the nodes apart"
	else
		ok "numa: control: the same check with the nodes swapped fails"
	fi
	out=$(xdax_large time xdax_ctl /dev/xdax0 audit 2>&1)
	T=$(x10_us "$out")
	check "large: audit of $R_BLOCKS blocks clean" xdax_audit_ok
	echo "# figure: xdax audit ${R_GIB} GiB: $((T / 1000)) ms"
	if out=$(xdax_large populate /dev/xdax0 1024 2>&1); then
		ok "large: populate 1 GiB (zeroed, conserved, truncated)"
	else
		not_ok "large: populate 1 GiB" "$out"
	fi
	echo "$out" | grep '^# figure'
	x10_settle
	set -- $(x10_free)
	F_B=$1
	if out=$(xdax_large time rmmod xdax 2>&1); then
		T=$(x10_us "$out")
		x10_settle
		set -- $(x10_free)
		ok "large: rmmod"
		echo "# figure: xdax unload ${R_GIB} GiB: $((T / 1000)) ms; MemFree back by $(($1 - F_B)) kB"
	else
		not_ok "large: rmmod" "$out"
	fi
else
	not_ok "large: load ${R_GIB} GiB" "$out"
fi
check "large: unload leaves nothing" xdax_gone

# The peer: device-dax on the legacy-pmem range, struct pages in RAM (map=mem) like xdax's.
for m in nd_e820 nd_pmem dax_pmem device_dax; do modprobe $m 2>/dev/null; done
# A legacy (label-less) pmem region cannot be divided: no 1 GiB namespace for a fixed cost,
# so device-dax's figure per GiB is its whole time over 64.  The region comes up as a raw
# namespace whose nd_pmem already holds a memory map in RAM (no compound-page dedup, 1 GiB
# for 64 GiB); it is disabled before the baseline, or the devdax reconfiguration would read
# as freeing RAM.
if ! out=$(ndctl disable-namespace namespace0.0 2>&1); then
	diag "ndctl disable-namespace namespace0.0 failed ($out): device-dax's RAM figure below includes the raw namespace's memory map"
fi
x10_settle
set -- $(x10_free)
F_A=$1 F0_A=$2 F1_A=$3
if out=$(taskset -c 0 xdax_large time ndctl create-namespace -m devdax -a 2M -M mem -f -e namespace0.0 2>&1) &&
	[ -c /dev/dax0.0 ]; then
	x10_settle
	set -- $(x10_free)
	D=$((F_A - $1)) D0=$((F0_A - $2)) D1=$((F1_A - $3))
	T=$(x10_us "$out")
	ok "large: device-dax namespace ${R_GIB} GiB (map=mem)"
	echo "# figure: device-dax create-namespace ${R_GIB} GiB: $((T / 1000)) ms, $((T / R_GIB)) us per GiB (fixed cost included)"
	echo "# figure: device-dax RAM taken: MemFree -$D kB ($(x10_pct "$D" $((R_SIZE >> 10))) of the range); node 0 -$D0 kB, node 1 -$D1 kB"
	if out=$(xdax_large populate /dev/dax0.0 1024 2>&1); then
		ok "large: device-dax populate 1 GiB"
	else
		not_ok "large: device-dax populate 1 GiB" "$out"
	fi
	echo "$out" | grep '^# figure'
	out=$(xdax_large time ndctl destroy-namespace -f namespace0.0 2>&1)
	echo "# figure: device-dax destroy-namespace ${R_GIB} GiB: $(($(x10_us "$out") / 1000)) ms"
else
	not_ok "large: device-dax namespace ${R_GIB} GiB" "$out"
fi
check "large: no kernel splat" dmesg_clean_since_mark
