# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Lifetimes (xdax_lifetime): of the module hold, of reclaim events, of waits, of pins'
# RLIMIT_MEMLOCK charges, of data across two devices and across block reuse.  One TAP point
# per case.  Then two shell-level cases: two devices loaded side by side, and an O_PATH open
# of /dev/xdax0 that outlives rmmod (the kernel log must stay clean: on the debug kernel
# KASAN reports a use-after-free of xdax's address_space if the node's inode still points
# at it).  opath-rmmod comes last: a KASAN report panics the guest (panic_on_warn).

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
R62_HALF=$((R_SIZE / 2))

# r62_rmmod_soon: rmmod succeeds within 5 s (the reaper may hold the module briefly).
r62_rmmod_soon() {
	i=0
	while [ $i -lt 25 ]; do
		rmmod xdax 2>/dev/null && return 0
		sleep 0.2
		i=$((i + 1))
	done
	fail "rmmod still refused 5 s later: $(rmmod xdax 2>&1); refcnt $(cat /sys/module/xdax/refcnt 2>/dev/null)"
}

r62_load() {
	load ranges=$((R_SIZE >> 20))M@"$R_START" || { echo "$LOAD_OUT"; return 1; }
}

# r62_opath: the O_PATH helper (rmmod inside it), then load again and use the device, and
# the kernel log since the mark must be clean.
r62_opath() {
	[ "$R62_OPATH_RC" = 0 ] || fail "xdax_lifetime opath-rmmod: exit $R62_OPATH_RC" || return
	! xdax_loaded || fail "xdax still loaded after the helper's rmmod" || return
	r62_load || fail "reload after rmmod failed" || return
	xdax_lifetime /dev/xdax0 use || fail "the reloaded device does not work" || return
	xdax_audit_ok || fail "audit after reload" || return
	dmesg_clean_since_mark
}

dmesg_mark
if r62_load; then
	ok "lifetime: load ranges=$((R_SIZE >> 20))M@$R_START"
	case_point xdax_lifetime /dev/xdax0 events-not-lost \
		"lifetime events-not-lost: a NOWAIT leftover freed by a later blocking PUNCH/SET_SIZE raises XDAX_EVENT_RECLAIM (20 of 20)"
	case_point xdax_lifetime /dev/xdax0 grow-no-wait \
		"lifetime grow-no-wait: grow and unrelated PUNCH wait for nothing, NOWAIT leftovers are not waited for, EINTR repeats"
	case_point xdax_lifetime /dev/xdax0 epoll-nonblock \
		"lifetime epoll-nonblock: EPOLLIN, EAGAIN, one 48-byte record per read and per open, short read EINVAL"
	case_point xdax_lifetime /dev/xdax0 truncate-other-process \
		"lifetime truncate-other-process: a truncate in process B zaps process A's mapping (SIGBUS past the size, data kept)"
	case_point xdax_lifetime /dev/xdax0 mprotect-pmd \
		"lifetime mprotect-pmd: read-only PMD mapping, mprotect RW, write, seen through another mapping"
	case_point xdax_lifetime /dev/xdax0 memlock-restored \
		"lifetime memlock-restored: VmLck restored after UNPIN, close, failed PIN, RLIMIT refusal as uid 1000, process death"
	case_point xdax_lifetime /dev/xdax0 zero-on-reuse \
		"lifetime zero-on-reuse: the only free block is a dirty one; reused elsewhere, it reads zeros (PMD, PTE)"
	case_point xdax_lifetime /dev/xdax0 hold-derived \
		"lifetime hold-derived: no file open and a block awaiting or in a pipe: refcnt >= 1, rmmod refused (racing the reaper)"
	if xdax_loaded; then
		check "lifetime: audit clean and blocks conserved" xdax_audit_ok
		check "lifetime: rmmod once nothing is referenced" r62_rmmod_soon
	else
		not_ok "lifetime: xdax still loaded after the cases"
	fi
else
	not_ok "lifetime: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT" "$(dmesg | tail -n 5)"
fi

# Two devices within the reserved range.
R62_TWO="$((R62_HALF >> 20))M@$R_START,$((R62_HALF >> 20))M@$(printf '%#x' $((R_START + R62_HALF)))"
if load ranges="$R62_TWO"; then
	ok "lifetime: load ranges=$R62_TWO"
	case_point xdax_lifetime /dev/xdax0 two-devices \
		"lifetime two-devices: pins, truncates, punches and events of xdax0 never touch xdax1, and back"
	check "lifetime two-devices: xdax0 audit clean" xdax_audit_ok /dev/xdax0
	check "lifetime two-devices: xdax1 audit clean" xdax_audit_ok /dev/xdax1
	check "lifetime two-devices: rmmod" r62_rmmod_soon
else
	not_ok "lifetime: load ranges=$R62_TWO" "$LOAD_OUT" "$(dmesg | tail -n 5)"
fi
check "lifetime: unload leaves nothing" xdax_gone
check "lifetime: no kernel splat" dmesg_clean_since_mark

# O_PATH across rmmod: last, since a KASAN report ends the guest.
dmesg_mark
if r62_load; then
	R62_OPATH_OUT=$(xdax_lifetime /dev/xdax0 opath-rmmod 2>&1)
	R62_OPATH_RC=$?
	echo "$R62_OPATH_OUT" | sed 's/^/# opath-rmmod: /'
	check "lifetime opath-rmmod: an O_PATH fd outlives rmmod; drop_caches, /proc/self/fd reopen (ENXIO), close, reload: kernel log clean" \
		r62_opath
	unload
else
	not_ok "lifetime opath-rmmod: load" "$LOAD_OUT"
fi
check "lifetime opath-rmmod: unload leaves nothing" xdax_gone
check "lifetime opath-rmmod: no kernel splat" dmesg_clean_since_mark
