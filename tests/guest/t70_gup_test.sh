# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# The kernel's own mm selftest gup_test (tools/testing/selftests/mm/gup_test.c, built from the
# debug kernel's source and put into that guest only) on a MAP_SHARED mapping of /dev/xdax0:
# get_user_pages_fast, pin_user_pages_fast and pin_user_pages(FOLL_LONGTERM) over 64 MiB,
# through CONFIG_GUP_TEST's /sys/kernel/debug/gup_test.  Then truncate the file to 0: every
# block comes back, the audit is clean, and xdax unloads without a trace.

GUP_MB=64
GUP_REPEATS=2

# gup_stat NAME: one field of /dev/xdax0's stats.
gup_stat() {
	xdax_ctl /dev/xdax0 stats | sed -n "s/^$1=//p"
}

# gup_run OPTION COMMAND NR-PAGES-PER-CALL: run gup_test with OPTION (its getopt: -u
# get_user_pages_fast, -a pin_user_pages_fast, -L pin_user_pages with FOLL_LONGTERM; always
# -w, FOLL_WRITE) over a 64 MiB MAP_SHARED (-S) mapping of /dev/xdax0 (-f), NR pages per
# call (-n).  Asserts exit 0, the kselftest result, that each repeat of COMMAND got every
# page (gup_test reports "truncated" when the ioctl stopped short), and that the mapping
# really faulted on the device: one PMD fault per 2 MiB (gup_test writes to each page before
# the ioctl), no PTE fault.
gup_run() {
	pmd0=$(gup_stat pmd_faults) pte0=$(gup_stat pte_faults)
	[ -n "$pmd0" ] && [ -n "$pte0" ] || fail "no pmd_faults/pte_faults from xdax_ctl stats" || return
	out=$(gup_test "$1" -w -S -f /dev/xdax0 -m $GUP_MB -r $GUP_REPEATS -n "$3" 2>&1) ||
		fail "gup_test $1 -w -S -f /dev/xdax0 -m $GUP_MB -r $GUP_REPEATS -n $3 exited $?:" "$out" ||
		return
	# ("us" is followed by the next ksft_print_msg's "# ", or by ", truncated (size: N)".)
	n=$(echo "$out" | grep -c "^# $2: Time: get:[0-9]* put:[0-9]* us")
	[ "$n" = $GUP_REPEATS ] || fail "expected $GUP_REPEATS '$2: Time:' lines, got $n:" "$out" ||
		return
	! echo "$out" | grep -q truncated || fail "gup_test did not get every page:" "$out" || return
	echo "$out" | grep -q '^ok 1 ioctl status 0$' || fail "no 'ok 1 ioctl status 0':" "$out" || return
	pmd=$(($(gup_stat pmd_faults) - pmd0)) pte=$(($(gup_stat pte_faults) - pte0))
	[ $pmd = $((GUP_MB / 2)) ] && [ $pte = 0 ] ||
		fail "mapping $GUP_MB MiB of /dev/xdax0 cost $pmd PMD and $pte PTE faults, expected $((GUP_MB / 2)) and 0" ||
		return
	echo "$out"
}

# gup_truncate: after the runs (all mappings and pins gone) the file holds exactly the
# touched blocks; truncating it to 0 frees each of them at once and none awaits reclaim.
gup_truncate() {
	used=$(gup_stat in_use) total=$(gup_stat total)
	[ "$used" = $((GUP_MB / 2)) ] ||
		fail "$used blocks in use before truncating, expected $((GUP_MB / 2)) ($GUP_MB MiB touched)" ||
		return
	r=$(xdax_ctl /dev/xdax0 set-size 0 2>&1) || fail "set-size 0: $r" || return
	[ "$(echo "$r" | sed -n 's/^freed=//p')" = "$used" ] &&
		[ "$(echo "$r" | sed -n 's/^pending=//p')" = 0 ] ||
		fail "set-size 0 returned $(echo "$r" | tr '\n' ' '), expected freed=$used pending=0" ||
		return
	s=$(xdax_ctl /dev/xdax0 stats 2>&1) || fail "XDAX_IOC_STATS failed: $s" || return
	echo "$s" | grep -qx 'file_size=0' && echo "$s" | grep -qx 'in_use=0' &&
		echo "$s" | grep -qx 'awaiting_reclaim=0' && echo "$s" | grep -qx "free=$total" ||
		fail "after truncating to 0:" "$s"
}

if [ ! -e /sys/kernel/debug/gup_test ]; then
	skip "gup_test on /dev/xdax0" \
		"kernel without CONFIG_GUP_TEST (no /sys/kernel/debug/gup_test; Debian's 6.1, 6.12, 7.2 and 7.3 configs say '# CONFIG_GUP_TEST is not set')"
elif ! command -v gup_test >/dev/null; then
	not_ok "gup_test on /dev/xdax0" \
		"the kernel has /sys/kernel/debug/gup_test but no gup_test binary is in this initramfs (see gup_test.build.log in the results)"
elif ! load ranges=$(($(cmdline range_size) >> 20))M@"$(cmdline range_start)"; then
	not_ok "gup_test: load xdax" "$LOAD_OUT"
else
	dmesg_mark
	check "gup_test get_user_pages_fast (-u) on /dev/xdax0" gup_run -u GUP_FAST_BENCHMARK 1
	check "gup_test pin_user_pages_fast (-a) on /dev/xdax0" gup_run -a PIN_FAST_BENCHMARK 512
	check "gup_test pin_user_pages FOLL_LONGTERM (-L) on /dev/xdax0" \
		gup_run -L PIN_LONGTERM_BENCHMARK 512
	check "gup_test: truncating to 0 frees every block at once" gup_truncate
	check "gup_test: audit clean and blocks conserved" xdax_audit_ok
	check "gup_test: rmmod xdax" rmmod xdax
	check "gup_test: nothing of xdax left" xdax_gone
	check "gup_test: kernel log clean" dmesg_clean_since_mark
fi
