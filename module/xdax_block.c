// SPDX-License-Identifier: GPL-2.0
/*
 * The two refcount transitions of a block (docs/design.md, "The protocol"):
 *
 *   allocate  0 -> 1 by cmpxchg: the 1 is xdax's entry reference.  A free
 *             block is frozen at 0, so anything else there is a stray
 *             reference (a kernel path that took one without
 *             add-unless-zero): the block is quarantined, never overwritten.
 *   free      1 -> 0 by folio_ref_freeze(): only when xdax's own reference is
 *             the last one.  That freeze is xdax's page_free.
 *
 * and the ALLOCATE ioctl's body, which reserves and zeroes blocks outside
 * every lock and installs them under the exclusive invalidate_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/page_ref.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "xdax.h"
#include "xdax_trace.h"

void xdax_anomaly(struct xdax_dev *xd, unsigned long block, const char *what)
{
	atomic64_inc(&xd->anomalies);
	trace_xdax_anomaly(xd, block, what);
	pr_err_ratelimited("%s: block %lu: %s\n", dev_name(&xd->dev), block, what);
}

/*
 * A reserved block that cannot be used: frozen again if it was thawed, and
 * out of the reserve (POISONED if a memory failure hit it meanwhile); a
 * block that cannot be frozen carries a stray reference and is quarantined.
 */
static void xdax_block_discard(struct xdax_dev *xd, unsigned long b, bool thawed)
{
	if (thawed && !xdax_block_try_free(xd, b)) {
		xdax_anomaly(xd, b, "unpublished block referenced: quarantined");
		xdax_core_quarantine(&xd->core, b);
		return;
	}
	xdax_core_unreserve(&xd->core, b);
}

/*
 * A block reserved from under the background zeroer (@zero ZEROING): wait
 * until the zeroer lets go of it, at most the page it is on.  Context:
 * process context, may sleep.
 */
static void xdax_zero_wait(struct xdax_dev *xd, unsigned long b, enum xdax_core_zero zero)
{
	if (zero == XDAX_CORE_ZEROING)
		/* Acquire: the zeroer's stores happen before it lets go (zero_end). */
		wait_var_event(&xd->core.zeroing, smp_load_acquire(&xd->core.zeroing) != b);
}

/*
 * Zero every page of @block, checking before each page that the block is
 * still to be zeroed: @stop(xd, b) true ends it early (false returned), and
 * so does a memory failure, so no page past a poisoned one is touched (the
 * kernel may have unmapped it).  Context: process context, no lock; may
 * sleep.
 */
static bool xdax_block_zero(struct xdax_dev *xd, unsigned long b,
			    bool (*stop)(struct xdax_dev *xd, unsigned long b))
{
	struct folio *folio = xdax_block_folio(xd, b);
	unsigned long i;

	for (i = 0; i < xdax_block_pages(xd); i++) {
		if (xdax_core_poisoned(&xd->core, b) || (stop && stop(xd, b)))
			return false;
		clear_highpage(folio_page(folio, i));
		if (!(i & 63))
			cond_resched();
	}
	return true;
}

/* Context: a fault or ALLOCATE zeroing a block inline, between pages. */
static bool xdax_zero_killed(struct xdax_dev *xd, unsigned long b)
{
	return fatal_signal_pending(current);
}

/*
 * 0 -> 1 on a reserved block, and zero it unless it comes zeroed from the
 * pool (@zero, enum xdax_core_zero).  A cmpxchg, not a store: a reference
 * taken on a frozen block by a path that is not add-unless-zero must be
 * seen, not overwritten.  Returns false if the block cannot be used: found
 * referenced (quarantined), or hit by a memory failure (given back, so
 * POISONED; never zeroed past the poisoned page, which the kernel may have
 * unmapped), or the task got a fatal signal while zeroing it inline (given
 * back: a 1 GiB block takes long; the caller sees fatal_signal_pending()).
 * A block taken from under the background zeroer is waited for (at most the
 * page it is on) and zeroed here.  May sleep.
 */
static bool xdax_block_thaw(struct xdax_dev *xd, unsigned long b, enum xdax_core_zero zero)
{
	struct folio *folio = xdax_block_folio(xd, b);

	xdax_zero_wait(xd, b, zero);
	if (atomic_cmpxchg(&folio->_refcount, 0, 1) != 0) {
		xdax_anomaly(xd, b, "free block with a nonzero refcount: quarantined");
		xdax_core_quarantine(&xd->core, b);
		return false;
	}
	if (zero != XDAX_CORE_ZEROED) {
		if (!xdax_block_zero(xd, b, xdax_zero_killed)) {
			xdax_block_discard(xd, b, true);
			return false;
		}
		atomic64_inc(&xd->zeroed_inline);
	} else if (xdax_core_poisoned(&xd->core, b)) {
		xdax_block_discard(xd, b, true);
		return false;
	}
	atomic64_inc(&xd->zeroed);
	trace_xdax_zero(xd, b);
	return true;
}

/* ---- the zero pool ---------------------------------------------------------- */

/* Blocks zeroed per run of the zeroer, and the pause between runs. */
#define XDAX_ZERO_BATCH		8
#define XDAX_ZERO_PAUSE_MS	2

/*
 * Context: the zeroer's work, between pages.  A FREE block with a reference
 * (a stray one: nothing legitimate takes it) is left as it is; the
 * allocation's cmpxchg then quarantines it, never overwritten.
 */
static bool xdax_zero_stopped(struct xdax_dev *xd, unsigned long b)
{
	return !READ_ONCE(xd->zero_live) || READ_ONCE(xd->core.zero_stolen) ||
	       folio_ref_count(xdax_block_folio(xd, b));
}

/*
 * The zeroer: zero FREE blocks that lack the zeroed mark until the pool
 * holds zero_target blocks, XDAX_ZERO_BATCH per run, then pause (the rate
 * limit).  One block at a time, no lock held while zeroing; it stops within
 * a page when an allocation takes its block, when a memory failure hits it
 * or at unload.  Context: workqueue (xdax_wq).
 */
static void xdax_zero_fn(struct work_struct *work)
{
	struct xdax_dev *xd = container_of(to_delayed_work(work), struct xdax_dev, zeroer);
	unsigned long b, n;
	bool done;

	for (n = 0; n < XDAX_ZERO_BATCH; n++) {
		if (!READ_ONCE(xd->zero_live))
			return;
		b = xdax_core_zero_begin(&xd->core, xd->zero_target);
		if (b == XDAX_CORE_NONE)
			return;
		done = xdax_block_zero(xd, b, xdax_zero_stopped);
		if (xdax_core_zero_end(&xd->core, b, done))
			atomic64_inc(&xd->zeroed_background);
		/*
		 * An allocation that took the block waits for this; the
		 * barrier orders zero_end's store before the waiter check.
		 */
		smp_mb();
		wake_up_var(&xd->core.zeroing);
	}
	if (READ_ONCE(xd->zero_live))
		queue_delayed_work(xdax_wq, &xd->zeroer, msecs_to_jiffies(XDAX_ZERO_PAUSE_MS));
}

/*
 * Refill the pool if it is short and there is something to zero.  Cheap
 * when not: two reads.  Context: any process context.
 */
void xdax_zero_kick(struct xdax_dev *xd)
{
	struct xdax_core *c = &xd->core;
	unsigned long zeroed = READ_ONCE(c->nr_zeroed);

	if (READ_ONCE(xd->zero_live) && zeroed < xd->zero_target &&
	    zeroed < READ_ONCE(c->nr_free))
		queue_delayed_work(xdax_wq, &xd->zeroer, 0);
}

/*
 * The device is ready: size the pool (zero_pool_mb, at most a quarter of the
 * range) and start filling it.  Context: module init.
 */
void xdax_zero_start(struct xdax_dev *xd)
{
	u64 bytes = min_t(u64, (u64)xdax_zero_pool_mb << 20, xd->range.size / 4);

	xd->zero_target = bytes >> xdax_block_shift(xd);
	WRITE_ONCE(xd->zero_live, true);
	xdax_zero_kick(xd);
}

/*
 * Stop the zeroer for good, within a page of zeroing.  Context: unload or a
 * failed init, no file open (nothing kicks it any more), before the pgmap
 * goes.
 */
void xdax_zero_stop(struct xdax_dev *xd)
{
	WRITE_ONCE(xd->zero_live, false);
	cancel_delayed_work_sync(&xd->zeroer);
}

/* Point the block at its file offset (->mapping is set once, at registration). */
static void xdax_block_bind(struct xdax_dev *xd, unsigned long b, unsigned long fblock)
{
	xdax_block_folio(xd, b)->index = fblock << xdax_block_order(xd);
}

/*
 * xdax's page_free: freeze 1 -> 0.  On success the block is xdax's alone
 * again; ->mapping stays (memory failure may read it at any time) and the
 * dirty bit a mapping left is dropped.  A core try_free() callback.
 * Context: any; called by the core with its lock held, or on a block only
 * the caller can see.
 */
bool xdax_block_try_free(void *arg, unsigned long block)
{
	struct xdax_dev *xd = arg;
	struct folio *folio = xdax_block_folio(xd, block);

	if (!folio_ref_freeze(folio, 1))
		return false;
	folio_clear_dirty(folio);
	atomic64_inc(&xd->page_free_calls);
	trace_xdax_page_free(xd, block);
	return true;
}

void xdax_block_dev_init(struct xdax_dev *xd)
{
	atomic_set(&xd->allocating, 0);
	init_waitqueue_head(&xd->alloc_wq);
	INIT_DELAYED_WORK(&xd->zeroer, xdax_zero_fn);
}

/*
 * The block backing file block @fblock, allocating and zeroing one for a
 * hole.  -ENOSPC if no block is free, -EINTR on a fatal signal while zeroing.
 * Context: the caller holds the invalidate_lock (shared) and the fault lock
 * of @fblock, so no other fault allocates for it meanwhile.  May sleep.
 */
int xdax_block_get(struct xdax_dev *xd, unsigned long fblock, unsigned long *blockp)
{
	enum xdax_core_zero zero;
	unsigned long b;
	int err;

	for (;;) {
		b = xdax_core_lookup(&xd->core, fblock);
		if (b != XDAX_CORE_NONE) {
			*blockp = b;
			return 0;
		}
		b = xdax_core_reserve_zero(&xd->core, &zero);
		if (b == XDAX_CORE_NONE)
			return -ENOSPC;
		xdax_zero_kick(xd);
		if (!xdax_block_thaw(xd, b, zero)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			continue;
		}
		xdax_block_bind(xd, b, fblock);
		err = xdax_core_install(&xd->core, fblock, b);
		if (!err) {
			trace_xdax_alloc(xd, b, (u64)fblock << xdax_block_shift(xd));
			*blockp = b;
			return 0;
		}
		xdax_block_discard(xd, b, true);	/* nobody saw it */
		if (err != -EEXIST)
			return err;
	}
}

/*
 * Reserve, thaw and zero @n more blocks into blocks[*have...]: on return,
 * blocks[0, *have) are thawed and reserved, whatever the outcome.  -ENOSPC
 * (all or nothing), -EINTR on a fatal signal.  No lock held; may sleep.
 */
static int xdax_block_prepare(struct xdax_dev *xd, unsigned long *blocks,
			      enum xdax_core_zero *zero, unsigned long *have, unsigned long n)
{
	unsigned long i, end = *have + n;
	int err;

	err = xdax_core_reserve_n(&xd->core, n, blocks + *have, zero + *have);
	if (err)
		return err;
	xdax_zero_kick(xd);
	for (i = *have; i < end; i++) {
		if (fatal_signal_pending(current)) {
			for (; i < end; i++) {
				xdax_zero_wait(xd, blocks[i], zero[i]);
				xdax_core_unreserve(&xd->core, blocks[i]);
			}
			return -EINTR;
		}
		/* A block found referenced or poisoned is out: take another. */
		while (!xdax_block_thaw(xd, blocks[i], zero[i])) {
			if (fatal_signal_pending(current)) {
				while (++i < end) {
					xdax_zero_wait(xd, blocks[i], zero[i]);
					xdax_core_unreserve(&xd->core, blocks[i]);
				}
				return -EINTR;
			}
			blocks[i] = xdax_core_reserve_zero(&xd->core, &zero[i]);
			if (blocks[i] == XDAX_CORE_NONE) {
				while (++i < end) {
					xdax_zero_wait(xd, blocks[i], zero[i]);
					xdax_core_unreserve(&xd->core, blocks[i]);
				}
				return -ENOSPC;
			}
		}
		*have = i + 1;
	}
	return 0;
}

/* The holes of file blocks [first, first + nr). */
static unsigned long xdax_block_holes(struct xdax_dev *xd, unsigned long first,
				      unsigned long nr)
{
	unsigned long i, n = 0;

	for (i = 0; i < nr; i++)
		n += xdax_core_lookup(&xd->core, first + i) == XDAX_CORE_NONE;
	return n;
}

/*
 * Drop the poisoned blocks of blocks[0, *have) (a memory failure hit them
 * after they were zeroed), keeping the rest in order.
 */
static void xdax_block_weed(struct xdax_dev *xd, unsigned long *blocks, unsigned long *have)
{
	unsigned long i, kept = 0;

	for (i = 0; i < *have; i++) {
		if (xdax_core_poisoned(&xd->core, blocks[i]))
			xdax_block_discard(xd, blocks[i], true);
		else
			blocks[kept++] = blocks[i];
	}
	*have = kept;
}

/*
 * XDAX_IOC_ALLOCATE: every hole of file blocks [first, first + nr) gets a
 * zeroed block, or none does (docs/design.md, "Truncate, punch and the
 * wait").  The blocks are reserved at once (ENOSPC) and zeroed with no lock
 * held, killably; then installed in one pass under the exclusive
 * invalidate_lock, where nothing can map them, so a failure there is undone
 * without a trace.  Holes that a fault filled meanwhile keep the fault's
 * block; holes a punch made meanwhile get blocks too.  Faults that find no
 * free block while an ALLOCATE holds reservations wait for it (xd->allocating).
 * *allocated: the blocks this call put in the file.
 * Context: process context; takes the invalidate_lock (exclusive) briefly.
 */
int xdax_block_allocate(struct xdax_dev *xd, unsigned long first, unsigned long nr,
			unsigned long *allocated)
{
	struct address_space *mapping = xdax_mapping(xd);
	unsigned long *blocks, *fblocks, i, holes, have = 0, used = 0;
	enum xdax_core_zero *zero;
	int err;

	*allocated = 0;
	if (((u64)(first + nr) << xdax_block_shift(xd)) > READ_ONCE(xd->size))
		return -EINVAL;
	holes = xdax_block_holes(xd, first, nr);
	if (!holes)
		return 0;
	blocks = kvmalloc_array(2 * nr, sizeof(*blocks), GFP_KERNEL);
	zero = kvmalloc_array(nr, sizeof(*zero), GFP_KERNEL);
	if (!blocks || !zero) {
		kvfree(blocks);
		kvfree(zero);
		return -ENOMEM;
	}
	fblocks = blocks + nr;
	atomic_inc(&xd->allocating);
	err = xdax_block_prepare(xd, blocks, zero, &have, holes);
	while (!err) {
		filemap_invalidate_lock(mapping);
		xdax_block_weed(xd, blocks, &have);
		holes = xdax_block_holes(xd, first, nr);
		if (((u64)(first + nr) << xdax_block_shift(xd)) > xd->size) {
			err = -EINVAL;		/* a truncate came in between */
		} else if (holes > have) {	/* a punch, or poison: more to zero */
			filemap_invalidate_unlock(mapping);
			err = xdax_block_prepare(xd, blocks, zero, &have, holes - have);
			continue;
		}
		for (i = 0; i < nr && used < holes && !err; i++) {
			if (xdax_core_lookup(&xd->core, first + i) != XDAX_CORE_NONE)
				continue;	/* a fault filled it meanwhile */
			xdax_block_bind(xd, blocks[used], first + i);
			err = xdax_core_install(&xd->core, first + i, blocks[used]);
			if (!err)
				fblocks[used++] = first + i;
		}
		if (err) {
			/* Nothing can have mapped them (exclusive lock): all or nothing. */
			for (i = used; i--;)
				xdax_core_uninstall(&xd->core, fblocks[i], blocks[i]);
			used = 0;
		}
		for (i = 0; i < used; i++)
			trace_xdax_alloc(xd, blocks[i], (u64)fblocks[i] << xdax_block_shift(xd));
		filemap_invalidate_unlock(mapping);
		break;
	}
	/* What is left reserved: holes filled meanwhile, or everything on failure. */
	for (i = used; i < have; i++)
		xdax_block_discard(xd, blocks[i], true);
	if (atomic_dec_and_test(&xd->allocating))
		wake_up_all(&xd->alloc_wq);
	kvfree(zero);
	kvfree(blocks);
	*allocated = used;
	return err;
}
