# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Memory failure on xdax blocks (xdax_poison): a poisoned block is never allocated again,
# every mapper gets SIGBUS (BUS_MCEERR_*) on access until the range is punched or
# truncated, QUERY/stats/events report it, and rmmod and a reload still work afterwards.
# MADV_HWPOISON needs CONFIG_MEMORY_FAILURE; hwpoison-inject's corrupt-pfn (for a free
# block's pfn) needs hwpoison_inject: a module on Debian's kernels, built into the debug
# kernel.  Cases skip, with the reason, where the kernel lacks them.  The kernel's
# "Memory failure:" lines are expected; a BUG/WARNING/Call Trace is not.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
XDAX_POISON_SECONDS=$(cmdline race_seconds 6)
export XDAX_POISON_SECONDS

if [ -e /proc/sys/vm/memory_failure_early_kill ]; then
	diag "poison: kernel has CONFIG_MEMORY_FAILURE"
else
	diag "poison: kernel without CONFIG_MEMORY_FAILURE (no vm.memory_failure_early_kill)"
fi
modprobe hwpoison_inject >/dev/null 2>&1
if [ -e /sys/kernel/debug/hwpoison/corrupt-pfn ]; then
	diag "poison: hwpoison-inject present ($(grep -q '^hwpoison_inject ' /proc/modules && echo module || echo built in))"
else
	diag "poison: no /sys/kernel/debug/hwpoison/corrupt-pfn (no hwpoison_inject)"
fi

t75_load() {
	load ranges=$((R_SIZE >> 20))M@$R_START
}

# t75_stat NAME: one stats field from sysfs ("-" where the module has none).
t75_stat() {
	cat "/sys/class/xdax/xdax0/stats/$1" 2>/dev/null || echo -
}

dmesg_mark
if t75_load; then
	case_point xdax_poison /dev/xdax0 madvise-mapped \
		"poison madvise-mapped: PMD and PTE mappers get SIGBUS BUS_MCEERR_* on access; POISONED after punch"
	case_point xdax_poison /dev/xdax0 never-reused \
		"poison never-reused: a poisoned block is never allocated again"
	case_point xdax_poison /dev/xdax0 free-block-inject \
		"poison free-block-inject: hwpoison-inject on a free block: POISONED at once, free drops"
	case_point xdax_poison /dev/xdax0 event \
		"poison event: pollers get an XDAX_EVENT_POISON record"
	check "poison: audit clean and blocks conserved" xdax_audit_ok
	diag "poison: stats poisoned=$(t75_stat poisoned) memory_failures=$(t75_stat memory_failures) free=$(t75_stat free) total=$(t75_stat total)"
	# rmmod-after: the module unloads after its blocks were poisoned, and loads again.
	check "poison rmmod-after: rmmod after memory failures" rmmod xdax
	check "poison rmmod-after: nothing of xdax left" xdax_gone
	if t75_load && xdax_dev_ok 0 "$R_START" "$R_SIZE" >/dev/null; then
		ok "poison rmmod-after: reload after memory failures"
		diag "poison: after the reload: poisoned=$(t75_stat poisoned) free=$(t75_stat free) total=$(t75_stat total)"
		case_point xdax_poison /dev/xdax0 inject-race \
			"poison inject-race: hwpoison-inject on blocks being allocated and punched: all POISONED, none reused"
		check "poison: audit clean and blocks conserved after the race" xdax_audit_ok
		check "poison rmmod-after: rmmod after the race" rmmod xdax
		check "poison rmmod-after: nothing of xdax left after the race" xdax_gone
	else
		not_ok "poison rmmod-after: reload after memory failures" "$LOAD_OUT" "$(xdax_dev_ok 0 "$R_START" "$R_SIZE")"
		unload
	fi
else
	not_ok "poison: load" "$LOAD_OUT"
fi
check "poison: no kernel splat" dmesg_clean_since_mark
