# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Stress races of protocol v2 (xdax_stress): PTE and PMD faults on one block (THP toggle,
# two views, two processes), a hole zeroed once, data integrity through faults of both
# sizes against punch/truncate, pins and gup-fast against punch.  One TAP point per case,
# each racing for race_seconds (XDAX_RACE_SECONDS); then the audit, rmmod and a clean log.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
T66_SECS=$(cmdline race_seconds 6)

# t66_stress DEV CASE: xdax_stress with this run's race length (case_point's PROG).
t66_stress() { xdax_stress -s "$T66_SECS" "$@"; }

# t66_rmmod_soon: the reaper may hold the module a moment after the last case.
t66_rmmod_soon() {
	i=0
	while [ $i -lt 25 ]; do
		rmmod xdax 2>/dev/null && return 0
		sleep 0.2
		i=$((i + 1))
	done
	fail "rmmod still refused 5 s later: $(rmmod xdax 2>&1)"
}

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	case_point t66_stress /dev/xdax0 pte-pmd-thp-toggle \
		"stress pte-pmd-thp-toggle: PTE and PMD faults on one block (THP toggled) vs punch"
	case_point t66_stress /dev/xdax0 pte-pmd-two-views \
		"stress pte-pmd-two-views: PMD and PTE views, two processes, vs punch"
	case_point t66_stress /dev/xdax0 hole-zeroed-once \
		"stress hole-zeroed-once: a hole touched at once is zeroed once, one block per offset"
	case_point t66_stress /dev/xdax0 integrity \
		"stress integrity: every word read encodes its own file offset"
	case_point t66_stress /dev/xdax0 pin-vs-punch \
		"stress pin-vs-punch: pins of PMD-mapped blocks vs NOWAIT punch and truncate"
	case_point t66_stress /dev/xdax0 gupfast-vs-punch \
		"stress gupfast-vs-punch: vmsplice and pin_user_pages_fast vs NOWAIT punch"
	check "stress: audit clean and blocks conserved" xdax_audit_ok
	check "stress: rmmod" t66_rmmod_soon
	check "stress: nothing of xdax left" xdax_gone
else
	not_ok "stress: load" "$LOAD_OUT"
fi
check "stress: no kernel splat" dmesg_clean_since_mark
