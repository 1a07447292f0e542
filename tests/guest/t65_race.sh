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
check "race: no kernel splat" dmesg_clean_since_mark
