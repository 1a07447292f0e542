# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# The fast paths (xdax_pool): the background zero pool, block-around on PTE read faults,
# UNPIN freeing a block awaiting reclaim at once; then zero_pool_mb=0 (no pool: every
# fresh block zeroed inline) and an rmmod while the zeroer is busy.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
R58_SYS=/sys/class/xdax/xdax0

r58_perf() { cat $R58_SYS/perf/"$1"; }

# r58_no_pool: with zero_pool_mb=0 nothing is zeroed in the background, and a fresh block
# is still zero (zeroed inline: perf/zeroed_inline grows).
r58_no_pool() {
	sleep 1
	[ "$(r58_perf zeroed_free)" = 0 ] || fail "zeroed_free $(r58_perf zeroed_free) with no pool" || return
	[ "$(r58_perf zeroed_background)" = 0 ] ||
		fail "zeroed_background $(r58_perf zeroed_background) with no pool" || return
	in0=$(r58_perf zeroed_inline)
	out=$(xdax_pool /dev/xdax0 around-zap 2>&1) || fail "xdax_pool around-zap:" "$out" || return
	[ "$(r58_perf zeroed_inline)" -gt "$in0" ] || fail "zeroed_inline did not grow" || return
	[ "$(r58_perf zeroed_background)" = 0 ] || fail "the zeroer ran with no pool"
}

# r58_rmmod_busy: rmmod right after load, while the zeroer fills the pool, succeeds (the
# zeroer stops within a page) and leaves nothing; prints how long rmmod took (/proc/uptime,
# 10 ms resolution).
r58_rmmod_busy() {
	load ranges=$((R_SIZE >> 20))M@"$R_START" || fail "load: $LOAD_OUT" || return
	t0=$(cut -d' ' -f1 /proc/uptime)
	rmmod xdax || fail "rmmod refused while the zeroer runs" || return
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "$t0 $t1" | awk '{ printf "%.0f ms\n", ($2 - $1) * 1000 }'
	xdax_gone
}

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	ok "pool: load ranges=$((R_SIZE >> 20))M@$R_START"
	case_point xdax_pool /dev/xdax0 pool-fill \
		"pool pool-fill: the zeroer fills the pool (bounded); fresh blocks come zeroed from it, not inline; it refills"
	case_point xdax_pool /dev/xdax0 pool-race \
		"pool pool-race: 2 processes write, punch, truncate, ALLOCATE and refault while the zeroer refills: every fresh block reads zero"
	case_point xdax_pool /dev/xdax0 around \
		"pool around: one 4 KiB read fault maps the whole owned block inside the VMA (pagemap), <= 2 pte_faults per block; a write maps one page"
	case_point xdax_pool /dev/xdax0 around-zap \
		"pool around-zap: truncate and punch after block-around leave nothing mapped (SIGBUS past EOF, zeros after punch)"
	case_point xdax_pool /dev/xdax0 unpin-sync \
		"pool unpin-sync: UNPIN of the last reference frees an awaiting block before it returns (event at once, perf/unpin_freed)"
	case_point xdax_pool /dev/xdax0 waiter-free \
		"pool waiter-free: a poll() or read() waiter woken by the reaper frees the block a closed pipe let go (perf/waiter_freed)"
	case_point xdax_pool /dev/xdax0 alloc-free \
		"pool alloc-free: with no block free, a fault or ALLOCATE frees the block a closed pipe let go instead of SIGBUS/ENOSPC (perf/alloc_freed)"
	echo "# figure: reaper: $(r58_perf reaper_rounds) rounds, $(r58_perf reaper_ns) ns"
	check "pool: audit clean and blocks conserved" xdax_audit_ok
	check "pool: rmmod" unload
else
	not_ok "pool: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT"
fi
if load ranges=$((R_SIZE >> 20))M@"$R_START" zero_pool_mb=0; then
	check "pool: zero_pool_mb=0: nothing zeroed in the background, fresh blocks zeroed inline" r58_no_pool
	check "pool: zero_pool_mb=0: rmmod" unload
else
	not_ok "pool: load zero_pool_mb=0" "$LOAD_OUT"
fi
if out=$(r58_rmmod_busy 2>&1); then
	ok "pool: rmmod while the zeroer fills the pool succeeds and leaves nothing"
	diag "figure: rmmod while the zeroer fills the pool: $(echo "$out" | tr -s '\t\n' '  ')"
else
	not_ok "pool: rmmod while the zeroer fills the pool succeeds and leaves nothing" "$out"
fi
check "pool: unload leaves nothing" xdax_gone
check "pool: no kernel splat" dmesg_clean_since_mark
