# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Callers who must not be trusted (issue "Protocol v2", section 3): read-only opens that
# write, argument structs that cannot be copied out or are too big, command numbers with
# another size, copy-outs past the caller's size, flags missing, huge pins, root-only sysfs,
# audits with side effects, other users, a killed ALLOCATE, short reads.  One TAP point per
# xdax_untrusted case; parts run as uid 1000 (group xdax) and uid 1001 through xdax_runas.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	D=/dev/xdax0
	case_point xdax_untrusted $D rdonly-writers \
		"untrusted: O_RDONLY SET_SIZE/PUNCH/ALLOCATE/AUDIT/writable PIN: EBADF, nothing changes"
	case_point xdax_untrusted $D pin-copyout-undone \
		"untrusted: a PIN whose id cannot be copied out: EFAULT, nothing stays pinned"
	case_point xdax_untrusted $D read-efault-keeps-event \
		"untrusted: read() into a bad buffer: EFAULT, the reclaim event stays pending"
	case_point xdax_untrusted $D size-cap \
		"untrusted: struct size above 4096: E2BIG, nothing read past the buffer"
	case_point xdax_untrusted $D dispatch-by-nr \
		"untrusted: commands told apart by magic and _IOC_NR, not the encoded size"
	case_point xdax_untrusted $D copyout-bounded \
		"untrusted: results copied only up to the size read at entry"
	case_point xdax_untrusted $D query-block-without-flag \
		"untrusted: QUERY with block and no XDAX_QUERY_BLOCK: EINVAL"
	case_point xdax_untrusted $D timeout-without-flag \
		"untrusted: timeout_ns without XDAX_WAIT_TIMEOUT: EINVAL, no side effect"
	case_point xdax_untrusted $D pin-huge \
		"untrusted: PIN past the cap or of foreign memory EINVAL, over RLIMIT_MEMLOCK ENOMEM"
	case_point xdax_untrusted $D sysfs-modes \
		"untrusted: resource, audit and ranges root-only; reading audit changes nothing"
	case_point xdax_untrusted $D audit-no-side-effect \
		"untrusted: XDAX_IOC_AUDIT changes no stats field"
	case_point xdax_untrusted $D nonroot-open \
		"untrusted: 0600 keeps users out; group xdax maps, faults and pins after chmod 0660"
	case_point xdax_untrusted $D allocate-killable \
		"untrusted: SIGKILL stops a whole-device ALLOCATE; faults progress meanwhile"
	case_point xdax_untrusted $D bad-read \
		"untrusted: read() shorter than struct xdax_event EINVAL, nothing pending EAGAIN"
	# A case that died half-way must not leave the node open to others.
	chown 0:0 $D
	chmod 0600 $D
	check "untrusted: audit clean and blocks conserved" xdax_audit_ok
	check "untrusted: rmmod" rmmod xdax
	check "untrusted: nothing of xdax left" xdax_gone
else
	not_ok "untrusted: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT"
fi
check "untrusted: no kernel splat" dmesg_clean_since_mark
