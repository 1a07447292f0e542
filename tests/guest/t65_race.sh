# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Races: faults, long-term pins and gup-fast (vmsplice) against truncate and punch of the same
# blocks, for a few seconds.  Then every block must be free, the audit clean, no anomaly
# counted, and the kernel log free of splats (KASAN, lockdep and DEBUG_VM on the debug kernel).

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@$R_START; then
	if out=$(xdax_race /dev/xdax0 "$(cmdline race_seconds 6)" 2>&1); then
		ok "race: faults, pins and vmsplice against truncate/punch; all free and audit clean after"
	else
		not_ok "race: faults, pins and vmsplice against truncate/punch" "$(echo "$out" | tail -n 15)"
	fi
	echo "$out" | grep '^# race:'
	check "race: audit clean and blocks conserved" xdax_audit_ok
	check "race: rmmod" rmmod xdax
	check "race: nothing of xdax left" xdax_gone
else
	not_ok "race: load" "$LOAD_OUT"
fi

# Guard regions (file mappings: 6.15+) against write faults into holes, with no pre-zeroed
# pool: every hole's first fault zeroes its block inline, a wide window.
if load ranges=$((R_SIZE >> 20))M@$R_START zero_pool_mb=0; then
	case_point xdax_guard /dev/xdax0 "$(cmdline race_seconds 6)" \
		"race guard: MADV_GUARD_INSTALL/REMOVE on the block a write fault is zeroing (PMD view: a PTE table lands in the slot; PTE view: a marker in the PTE): no insert WARNs, the write maps through the table or gets SIGSEGV, data kept"
	check "race guard: audit clean and blocks conserved" xdax_audit_ok
	check "race guard: rmmod" rmmod xdax
	check "race guard: nothing of xdax left" xdax_gone
else
	not_ok "race guard: load zero_pool_mb=0" "$LOAD_OUT"
fi
check "race: no kernel splat" dmesg_clean_since_mark
