// SPDX-License-Identifier: GPL-2.0
/*
 * Truncate and punch, the wait for idle blocks, the reaper, reclaim and
 * poison events, and the module hold (docs/design.md, "Truncate, punch and
 * the wait", "The reaper and events", "Module lifetime").
 *
 * A truncate or punch, under the exclusive invalidate_lock:
 *   1. zaps every mapping of its range (no fault can map it again: faults
 *      take the invalidate_lock shared);
 *   2. takes the range's blocks out of the entry table; they become HELD by
 *      the call, which also adopts what an interrupted call left there;
 * then, with the lock dropped:
 *   3. waits one RCU grace period: a gup-fast walker that read a zapped
 *      entry runs with interrupts off (an RCU reader), and on some kernels
 *      takes its reference with a check and a separate increment rather than
 *      add-unless-zero; after the grace period none is left;
 *   4. freezes each idle block 1 -> 0 (xdax's page_free) and waits for the
 *      rest, unless NOWAIT, until a signal or the timeout;
 *   5. hands what is left to the reaper: AWAITING after NOWAIT, INTERRUPTED
 *      after EINTR or ETIMEDOUT (a repeat of the call over the range adopts
 *      them and waits again).
 * No block is frozen before its mappings are gone and the grace period has
 * passed: only the call that holds a block frees it, and blocks reach the
 * reaper only after step 3.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>

#include "xdax.h"
#include "xdax_compat.h"
#include "xdax_trace.h"

/*
 * The reaper polls only while blocks await reclaim (or a closed device's
 * blocks carry foreign references): from 1 ms after new work up to a fine
 * ceiling of 5 ms while the event queue has a waiter (a poll() or read()
 * asleep, or an epoll/aio/io_uring registration: someone asked for the
 * answer), so a waiter sees a reference dropped within ~6 ms (and frees the
 * block itself); 12 ms while nobody waits: whoever looks later frees what
 * is idle on the spot (a poll() or read() on entry, an allocation that
 * finds no free block), so the poll then only keeps the pool and the
 * counters current.  After XDAX_REAP_FINE_ROUNDS polls without progress (a
 * holder that keeps its reference for long) it backs off to 100 ms.  A poll
 * is an hrtimer in
 * softirq context (with 1/8 of the delay as slack; a jiffies timer asked
 * for 8 ms came every 12 ms at HZ=250) that reads, without a lock, whether
 * an awaiting block's refcount came down to xdax's own; only then, or for
 * a closed device's foreign references, does it queue the round (the work,
 * which takes the locks and frees).  A poll that finds nothing wakes no
 * thread.
 */
#define XDAX_REAP_MIN_US	1000
#define XDAX_REAP_FINE_US	12000
#define XDAX_REAP_WAITED_US	5000
#define XDAX_REAP_MAX_US	100000
#define XDAX_REAP_FINE_ROUNDS	1000
/*
 * Blocking waits poll from 50 us up to 500 us for their first second (an
 * UNPIN wakes them at once), then back off to 20 ms: a holder that keeps its
 * reference for long costs 50 wake-ups a second, not 2000.
 */
#define XDAX_WAIT_MIN_US	50
#define XDAX_WAIT_FINE_US	500
#define XDAX_WAIT_FINE_NS	NSEC_PER_SEC
#define XDAX_WAIT_MAX_US	20000

/*
 * Not system_wq: 7.x calls it deprecated.  Unbound: neither the reaper nor
 * the zeroer (xdax_block.c) is a hot path.
 */
struct workqueue_struct *xdax_wq;

int xdax_reclaim_init(void)
{
	xdax_wq = alloc_workqueue("xdax", WQ_UNBOUND, 0);
	return xdax_wq ? 0 : -ENOMEM;
}

void xdax_reclaim_exit(void)
{
	destroy_workqueue(xdax_wq);
}

static void xdax_reaper_fn(struct work_struct *work);

/*
 * An in-use or awaiting block's refcount is xdax's own alone: nothing else
 * holds it (the poll's xdax_core_reap_due() predicate, and the foreign
 * watch's).  Context: any; a hint unless the caller holds the core lock.
 */
static bool xdax_reap_idle(void *arg, unsigned long block)
{
	return folio_ref_count(xdax_block_folio(arg, block)) == 1;
}

/*
 * The delay before the next poll, and the backoff after this one: @progress
 * (a block freed) brings it back to the fine ceiling (the lower one while an
 * event waiter sleeps); while blocks await it stays there for
 * XDAX_REAP_FINE_ROUNDS polls, otherwise (only a closed device's foreign
 * references: no event waits on them) it keeps doubling.  The kick, the
 * poll and the round all write the two fields, without a common lock: a
 * race makes one poll come early or late, nothing more.
 */
static unsigned int xdax_reap_backoff(struct xdax_dev *xd, bool progress, bool awaiting)
{
	unsigned int fine = wq_has_sleeper(&xd->event_wq) ? XDAX_REAP_WAITED_US :
			    XDAX_REAP_FINE_US;
	unsigned int delay = READ_ONCE(xd->reap_delay_us);
	unsigned int rounds = READ_ONCE(xd->reap_idle_rounds);
	unsigned int next = delay;

	if (progress) {
		rounds = 0;
		delay = min(delay, fine);
	}
	if (delay < fine) {
		next = min(delay * 2, fine);
	} else if (!awaiting || ++rounds > XDAX_REAP_FINE_ROUNDS) {
		next = min_t(unsigned int, delay * 2, XDAX_REAP_MAX_US);
	} else {	/* at the ceiling, or above it: a waiter came */
		delay = fine;
		next = fine;
	}
	WRITE_ONCE(xd->reap_delay_us, next);
	WRITE_ONCE(xd->reap_idle_rounds, rounds);
	return delay;
}

/*
 * Arm the poll @delay_us from now.  While the poll's callback runs it may
 * set its own expiry (HRTIMER_RESTART, no lock of the timer's), so a start
 * from here then would queue the timer under an expiry the callback then
 * changes: instead the delay is left for the callback to take (the shorter
 * one wins).  Context: any; takes reap_lock.
 */
static void xdax_reap_arm(struct xdax_dev *xd, unsigned int delay_us)
{
	u64 ns = (u64)delay_us * NSEC_PER_USEC;

	spin_lock_bh(&xd->reap_lock);
	if (xd->reap_in_poll)
		xd->reap_want_us = xd->reap_want_us ? min(xd->reap_want_us, delay_us) :
				   delay_us;
	else
		hrtimer_start_range_ns(&xd->reap_timer, ns_to_ktime(ns), ns / 8,
				       HRTIMER_MODE_REL_SOFT);
	spin_unlock_bh(&xd->reap_lock);
}

/*
 * The poll.  When a block looks idle it wakes the event waiters (they free
 * it) and polls again after the shortest delay, or, if none waits or none
 * did, queues the round; it also queues the round when a closed device's
 * foreign references are watched (their scan needs the lock), or when
 * nothing awaits any more (the round then syncs the module hold and
 * stops); otherwise it re-arms itself.  xd->reap_woke is the poll's alone:
 * hrtimer callbacks of one timer never run concurrently.
 * Context: softirq (hrtimer).
 */
static enum hrtimer_restart xdax_reap_timer_fn(struct hrtimer *t)
{
	struct xdax_dev *xd = container_of(t, struct xdax_dev, reap_timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	u64 t0 = local_clock(), ns;
	unsigned int delay;
	bool due;

	if (READ_ONCE(xd->reap_stop))
		return HRTIMER_NORESTART;
	spin_lock(&xd->reap_lock);
	xd->reap_in_poll = true;
	xd->reap_want_us = 0;
	spin_unlock(&xd->reap_lock);
	due = xdax_event_reap_due(xd);
	if (due && !xd->reap_woke && wq_has_sleeper(&xd->event_wq)) {
		/*
		 * A poll() or read() waits for the event: wake it, and it frees
		 * the block itself (xdax_event_reap) without a kworker to wake
		 * first.  The round follows only if no waiter did within the
		 * shortest delay (a registration nobody waits on: an epoll set
		 * outside epoll_wait, aio; a stopped task).
		 */
		xd->reap_woke = true;
		wake_up_interruptible_all(&xd->event_wq);
		delay = XDAX_REAP_MIN_US;
	} else if (due || READ_ONCE(xd->foreign) || !READ_ONCE(xd->core.nr_awaiting)) {
		xd->reap_woke = false;
		queue_work(xdax_wq, &xd->reaper);
		delay = 0;
	} else {
		xd->reap_woke = false;
		delay = xdax_reap_backoff(xd, false, true);
	}
	/*
	 * A round or a kick on another CPU that armed the poll meanwhile left
	 * its delay here (xdax_reap_arm): the shorter one wins.  Once
	 * reap_in_poll is clear they start the timer themselves.  One that
	 * came before reap_in_poll was set (the core dequeues the timer and
	 * calls this function before it takes reap_lock) found the timer not
	 * queued and started it: then its expiry stands, for setting one on a
	 * queued timer would misplace it in the timer queue.  Every start
	 * happens under reap_lock, so the check below is stable.
	 */
	spin_lock(&xd->reap_lock);
	xd->reap_in_poll = false;
	if (xd->reap_want_us && (!delay || xd->reap_want_us < delay))
		delay = xd->reap_want_us;
	if (delay && !hrtimer_is_queued(t)) {
		ns = (u64)delay * NSEC_PER_USEC;
		hrtimer_set_expires_range_ns(t, ktime_add_ns(ktime_get(), ns), ns / 8);
		ret = HRTIMER_RESTART;
	}
	spin_unlock(&xd->reap_lock);
	atomic64_inc(&xd->reaper_rounds);
	atomic64_add(local_clock() - t0, &xd->reaper_ns);
	return ret;
}

void xdax_reclaim_dev_init(struct xdax_dev *xd)
{
	INIT_WORK(&xd->reaper, xdax_reaper_fn);
	xdax_hrtimer_setup(&xd->reap_timer, xdax_reap_timer_fn, HRTIMER_MODE_REL_SOFT);
	spin_lock_init(&xd->reap_lock);
	init_waitqueue_head(&xd->event_wq);
	init_waitqueue_head(&xd->idle_wq);
	atomic_set(&xd->unpin_seq, 0);
	xd->reap_delay_us = XDAX_REAP_MIN_US;
}

/* ---- events ---------------------------------------------------------------- */

/* @n blocks that a call had left awaiting were freed. */
static void xdax_event_reclaimed(struct xdax_dev *xd, unsigned long n)
{
	u64 seq;

	if (!n)
		return;
	seq = atomic64_add_return(n, &xd->reclaim_seq);
	trace_xdax_event(xd, false, n, seq);
	wake_up_interruptible_all(&xd->event_wq);
}

/* @n blocks were hit by memory failures. */
void xdax_event_poisoned(struct xdax_dev *xd, unsigned long n)
{
	u64 seq;

	if (!n)
		return;
	seq = atomic64_add_return(n, &xd->poison_seq);
	trace_xdax_event(xd, true, n, seq);
	wake_up_interruptible_all(&xd->event_wq);
}

bool xdax_event_ready(struct xdax_file *xf)
{
	struct xdax_dev *xd = xf->xd;

	return atomic64_read(&xd->reclaim_seq) != READ_ONCE(xf->seen_reclaim) ||
	       atomic64_read(&xd->poison_seq) != READ_ONCE(xf->seen_poison);
}

/*
 * The event a read() would return now (POISON before RECLAIM), without
 * consuming it.  Context: xf->lock held; takes the core lock.
 */
bool xdax_event_peek(struct xdax_file *xf, struct xdax_kevent *ev)
{
	struct xdax_dev *xd = xf->xd;
	u64 poison = atomic64_read(&xd->poison_seq);
	u64 reclaim = atomic64_read(&xd->reclaim_seq);

	lockdep_assert_held(&xf->lock);
	if (poison != xf->seen_poison) {
		ev->poison = true;
		ev->seq = poison;
		ev->count = poison - xf->seen_poison;
	} else if (reclaim != xf->seen_reclaim) {
		ev->poison = false;
		ev->seq = reclaim;
		ev->count = reclaim - xf->seen_reclaim;
	} else {
		return false;
	}
	mutex_lock(&xd->core.lock);
	ev->awaiting = xd->core.nr_awaiting;
	ev->free = xd->core.nr_free;
	mutex_unlock(&xd->core.lock);
	return true;
}

/* The reader delivered @ev.  Context: xf->lock held, since the peek. */
void xdax_event_consume(struct xdax_file *xf, const struct xdax_kevent *ev)
{
	lockdep_assert_held(&xf->lock);
	if (ev->poison)
		WRITE_ONCE(xf->seen_poison, ev->seq);
	else
		WRITE_ONCE(xf->seen_reclaim, ev->seq);
}

/* ---- the module hold ---------------------------------------------------- */

/*
 * Hold the module exactly while blocks await reclaim or a closed device's
 * blocks carry foreign references: derived from the state under the core
 * lock, by whoever changed it, before that thread can lose its own module
 * reference (an ioctl's file, the reaper, whose work rmmod waits for).
 * Context: process context; takes the core lock.
 */
static void xdax_hold_sync(struct xdax_dev *xd)
{
	struct xdax_core *c = &xd->core;
	bool want;

	mutex_lock(&c->lock);
	want = c->nr_awaiting || xd->foreign;
	if (want && !xd->held) {
		__module_get(THIS_MODULE);
		xd->held = true;
	} else if (!want && xd->held) {
		xd->held = false;
		module_put(THIS_MODULE);
	}
	mutex_unlock(&c->lock);
}

/*
 * Recompute xd->foreign: no file is open, yet an in-use block carries a
 * reference besides xdax's own (a vmspliced page in a pipe, an io_uring
 * buffer).  Open files hold the module themselves.  Then sync the hold.
 * Context: process context; takes the core lock.
 */
static bool xdax_foreign_sync(struct xdax_dev *xd)
{
	struct xdax_core *c = &xd->core;
	bool foreign = false;
	unsigned long b;

	mutex_lock(&c->lock);
	if (!atomic_read(&xd->openers)) {
		for (b = 0; b < c->nr_blocks && !foreign; b++)
			foreign = c->state[b] == XDAX_CORE_IN_USE && !xdax_reap_idle(xd, b);
	}
	xd->foreign = foreign;
	mutex_unlock(&c->lock);
	xdax_hold_sync(xd);
	return foreign;
}

/* ---- the reaper --------------------------------------------------------- */

/* Run the reaper now, and poll from its shortest delay.  Context: any process context. */
static void xdax_reaper_kick(struct xdax_dev *xd)
{
	WRITE_ONCE(xd->reap_delay_us, XDAX_REAP_MIN_US);
	WRITE_ONCE(xd->reap_idle_rounds, 0);
	queue_work(xdax_wq, &xd->reaper);	/* a poll still armed is re-armed by it */
}

/*
 * try_free() for AWAITING and INTERRUPTED blocks, whoever frees them (the
 * reaper, or an UNPIN): xdax's page_free, then xdax_reaper_free, so a
 * block's trace reads the same whoever wins.  Context: called by
 * xdax_core_reap() with the core lock held.
 */
static bool xdax_reaper_try_free(void *arg, unsigned long block)
{
	if (!xdax_block_try_free(arg, block))
		return false;
	trace_xdax_reaper_free(arg, block);
	return true;
}

/*
 * The round: free the AWAITING and INTERRUPTED blocks that went idle (each
 * one a reclaim event), watch a closed device for foreign references, and
 * arm the poll while there is either.  Context: workqueue.
 */
static void xdax_reaper_fn(struct work_struct *work)
{
	struct xdax_dev *xd = container_of(work, struct xdax_dev, reaper);
	unsigned long freed, left;
	u64 t0 = local_clock();
	bool foreign;

	freed = xdax_core_reap(&xd->core, xdax_reaper_try_free, xd, &left);
	xdax_event_reclaimed(xd, freed);
	foreign = xdax_foreign_sync(xd);	/* syncs the hold, awaiting included */
	if (freed)
		xdax_zero_kick(xd);
	/* rmmod's exit stops the poll and this work (xdax_reaper_stop). */
	if ((left || foreign) && !READ_ONCE(xd->reap_stop))
		xdax_reap_arm(xd, xdax_reap_backoff(xd, freed, left));
	atomic64_inc(&xd->reaper_rounds);
	atomic64_add(local_clock() - t0, &xd->reaper_ns);
}

/*
 * Free the AWAITING and INTERRUPTED blocks that are idle now, each a reclaim
 * event, without waiting for a reaper round.  Returns the number freed.
 * Context: process context, no lock held; takes the core lock.
 */
static unsigned long xdax_reclaim_idle(struct xdax_dev *xd)
{
	unsigned long freed, left;

	freed = xdax_core_reap(&xd->core, xdax_reaper_try_free, xd, &left);
	if (!freed)
		return 0;
	xdax_event_reclaimed(xd, freed);
	xdax_hold_sync(xd);
	xdax_zero_kick(xd);
	return freed;
}

/*
 * A pin was released (UNPIN, or close): its blocks may be idle now.  Free
 * the ones that a NOWAIT or interrupted call left, at once, and wake the
 * calls that wait for theirs.
 * Context: process context, no lock held; takes the core lock.
 */
void xdax_reclaim_unpinned(struct xdax_dev *xd)
{
	/* Pairs with the waiter's prepare_to_wait() (wq_has_sleeper's barrier). */
	atomic_inc(&xd->unpin_seq);
	if (wq_has_sleeper(&xd->idle_wq))
		wake_up_all(&xd->idle_wq);
	if (READ_ONCE(xd->core.nr_awaiting))
		atomic64_add(xdax_reclaim_idle(xd), &xd->unpin_freed);
}

/*
 * Whether an awaiting block looks idle (a hint, no lock): the poll then
 * wakes the event waiters, and each frees it itself (xdax_event_reap), so
 * the event needs no kworker to run first.  Context: any.
 */
bool xdax_event_reap_due(struct xdax_dev *xd)
{
	return READ_ONCE(xd->core.nr_awaiting) &&
	       xdax_core_reap_due(&xd->core, xdax_reap_idle, xd);
}

/*
 * An event waiter's share of the reaper: before it looks for an event (poll,
 * read), free what looks idle.  Context: process context, TASK_RUNNING, no
 * xdax lock held (->poll may run under epoll's ep->mtx or io_uring's
 * uring_lock, which no xdax path takes); takes the core lock only if a
 * block looks idle.
 */
void xdax_event_reap(struct xdax_dev *xd)
{
	if (xdax_event_reap_due(xd))
		atomic64_add(xdax_reclaim_idle(xd), &xd->waiter_freed);
}

/*
 * An allocation (a fault, ALLOCATE) found no free block: free the AWAITING
 * and INTERRUPTED blocks that are idle now, each a reclaim event, rather
 * than fail while a block is only a reaper's poll away from free.  Returns
 * the number freed (perf/alloc_freed).  Context: process context, no xdax
 * lock held (a fault drops its locks first); takes the core lock only if a
 * block looks idle.
 */
unsigned long xdax_reclaim_for_alloc(struct xdax_dev *xd)
{
	unsigned long n;

	if (!xdax_event_reap_due(xd))
		return 0;
	n = xdax_reclaim_idle(xd);
	atomic64_add(n, &xd->alloc_freed);
	return n;
}

/*
 * Stop the reaper for good: no round runs or is armed after this.  A round
 * that runs during the first cancel may arm the timer; the timer, once
 * cancelled, may have queued a round: the second cancel takes it.
 * Context: unload or a failed init, no file open.
 */
void xdax_reaper_stop(struct xdax_dev *xd)
{
	WRITE_ONCE(xd->reap_stop, true);
	cancel_work_sync(&xd->reaper);
	hrtimer_cancel(&xd->reap_timer);
	cancel_work_sync(&xd->reaper);
}

/* The last file closed: watch for references that outlive every file. */
void xdax_reclaim_last_close(struct xdax_dev *xd)
{
	if (xdax_foreign_sync(xd))
		xdax_reaper_kick(xd);
}

/* ---- truncate, punch and the wait ----------------------------------------- */

/*
 * Free what is idle in @batch; unless NOWAIT, wait for the rest
 * (interruptible, bounded by the timeout).  Then hand what is left to the
 * reaper.  Context: process context, no lock held.
 */
static int xdax_settle(struct xdax_dev *xd, struct xdax_core_batch *batch,
		       struct xdax_wait *w)
{
	unsigned long left, adopted, delay_us = XDAX_WAIT_MIN_US;
	ktime_t fine_until, deadline = KTIME_MAX;
	DEFINE_WAIT(idle);
	int err = 0;

	if (w->flags & XDAX_KWAIT_TIMEOUT)
		deadline = ktime_add_ns(ktime_get(), min_t(u64, w->timeout_ns, KTIME_MAX / 2));
	if (batch->nr)
		trace_xdax_wait_begin(xd, batch->nr, w->flags & XDAX_KWAIT_NOWAIT,
				      w->flags & XDAX_KWAIT_TIMEOUT ? w->timeout_ns : 0);
	fine_until = ktime_add_ns(ktime_get(), XDAX_WAIT_FINE_NS);
	for (;;) {
		/* An UNPIN after this read is seen below (xdax_reclaim_unpinned). */
		unsigned int seq = atomic_read(&xd->unpin_seq);
		ktime_t slack, now;

		left = xdax_core_settle(&xd->core, batch, xdax_block_try_free, xd, &adopted);
		xdax_event_reclaimed(xd, adopted);
		if (!left || (w->flags & XDAX_KWAIT_NOWAIT))
			break;
		now = ktime_get();
		if (signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (ktime_compare(now, deadline) >= 0) {
			err = -ETIMEDOUT;
			break;
		}
		slack = ns_to_ktime(min_t(u64, (u64)delay_us * NSEC_PER_USEC,
					  ktime_to_ns(ktime_sub(deadline, now))));
		prepare_to_wait(&xd->idle_wq, &idle, TASK_INTERRUPTIBLE);
		if (atomic_read(&xd->unpin_seq) == seq)	/* after the barrier */
			schedule_hrtimeout_range(&slack, delay_us * NSEC_PER_USEC / 4,
						 HRTIMER_MODE_REL);
		finish_wait(&xd->idle_wq, &idle);
		delay_us = min_t(unsigned long, delay_us * 2,
				 ktime_before(now, fine_until) ? XDAX_WAIT_FINE_US :
				 XDAX_WAIT_MAX_US);
	}
	w->freed = batch->nr - left;
	w->pending = left;
	if (batch->nr)
		trace_xdax_wait_end(xd, err == -EINTR ? XDAX_WAITED_EINTR :
				    err == -ETIMEDOUT ? XDAX_WAITED_TIMEOUT :
				    left ? XDAX_WAITED_NOWAIT : XDAX_WAITED_IDLE,
				    w->freed, w->pending);
	xdax_core_unhold(&xd->core, batch, err != 0);
	xdax_hold_sync(xd);
	if (left)
		xdax_reaper_kick(xd);
	if (w->freed)
		xdax_zero_kick(xd);
	return err;
}

/*
 * One xdax_detach event per block @batch took out of the file (adopted
 * blocks were out already).  A block HELD by this call keeps its owner.
 * Context: the exclusive invalidate_lock held.
 */
static void xdax_trace_detach(struct xdax_dev *xd, const struct xdax_core_batch *batch)
{
	unsigned long i, b;

	if (!trace_xdax_detach_enabled())
		return;
	for (i = 0; i < batch->own; i++) {
		b = batch->block[i];
		trace_xdax_detach(xd, b, (u64)READ_ONCE(xd->core.owner[b]) << xdax_block_shift(xd));
	}
}

/*
 * The body of SET_SIZE and PUNCH over file blocks [first, last]; @new_size is
 * U64_MAX for a punch.  Decided under the exclusive invalidate_lock: a grow
 * only sets the size; a shrink or punch zaps and detaches; a SET_SIZE to the
 * current size only adopts what an interrupted call left.  Then settle.  See
 * the comment at the top.
 * Context: process context; takes the invalidate_lock (exclusive).
 */
static int xdax_remove(struct xdax_dev *xd, unsigned long first, unsigned long last,
		       u64 new_size, struct xdax_wait *w)
{
	struct address_space *mapping = xdax_mapping(xd);
	struct xdax_core_batch batch;
	bool detach;
	int err;

	w->freed = 0;
	w->pending = 0;
	filemap_invalidate_lock(mapping);
	if (new_size != U64_MAX && new_size > xd->size) {
		WRITE_ONCE(xd->size, new_size);
		filemap_invalidate_unlock(mapping);
		return 0;
	}
	detach = new_size == U64_MAX || new_size < xd->size;
	if (detach) {
		trace_xdax_zap(xd, (u64)first << xdax_block_shift(xd), last == ULONG_MAX ? 0 :
			       (u64)(last - first + 1) << xdax_block_shift(xd));
		unmap_mapping_pages(mapping, (pgoff_t)first << xdax_block_order(xd),
				    last == ULONG_MAX ? 0 :
				    (pgoff_t)(last - first + 1) << xdax_block_order(xd), false);
	}
	err = xdax_core_detach(&xd->core, first, last, detach, &batch);
	if (!err)
		xdax_trace_detach(xd, &batch);
	if (!err && new_size != U64_MAX)
		WRITE_ONCE(xd->size, new_size);
	filemap_invalidate_unlock(mapping);
	if (err)
		return err;
	if (batch.own)
		synchronize_rcu();
	return xdax_settle(xd, &batch, w);
}

/* XDAX_IOC_SET_SIZE: truncate or grow.  Context: process context. */
int xdax_set_size(struct xdax_dev *xd, u64 new_size, struct xdax_wait *w)
{
	if (!IS_ALIGNED(new_size, xdax_block_size(xd)))
		return -EINVAL;
	if (new_size > xd->range.size)
		return -EFBIG;
	return xdax_remove(xd, new_size >> xdax_block_shift(xd), ULONG_MAX, new_size, w);
}

/* XDAX_IOC_PUNCH: remove [offset, offset + len).  Context: process context. */
int xdax_punch(struct xdax_dev *xd, u64 offset, u64 len, struct xdax_wait *w)
{
	unsigned long first = offset >> xdax_block_shift(xd);
	int err;

	err = xdax_range_check(xd, offset, len);
	if (err)
		return err;
	return xdax_remove(xd, first, first + (len >> xdax_block_shift(xd)) - 1, U64_MAX, w);
}
