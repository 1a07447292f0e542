/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure bookkeeping of one xdax device: which blocks are free, which file
 * block each in-use block backs (the entry table), which blocks wait for
 * reclaim and who waits for them, and which are out of service.  No struct
 * page is touched here: refcounts are the caller's business, passed in as a
 * try_free() callback, so this file is what the KUnit suite drives.
 *
 * Block states (docs/design.md, "Block states"):
 *
 *   FREE --reserve--> RESERVED <-install/uninstall-> IN_USE --detach--> HELD
 *    ^  ^               |  |                                 | |  |
 *    |  +--unreserve----+  +--quarantine--> POISONED <-------+ |  |
 *    |                                         ^   (poisoned)  |  |
 *    +<----------- try_free() succeeded -------+---------------+  |
 *    |                                                            |
 *    +<-- reap --- AWAITING <--unhold(NOWAIT)---------------------+
 *    +<-- reap --- INTERRUPTED <--unhold(EINTR, ETIMEDOUT)--------+
 *                       |
 *                       +--adopted by a later call over its range--> HELD
 *
 * uninstall undoes an install that nothing can have mapped (a failed
 * ALLOCATE under the exclusive invalidate_lock).
 * HELD blocks belong to the call that detached (or adopted) them: only that
 * call frees them, so a call's list of blocks cannot go stale under it.
 * AWAITING and INTERRUPTED blocks are freed by whoever sees them idle first
 * (the reaper, normally).  A memory failure sets a block's poison bit in any
 * state; a poisoned block leaves the file to POISONED instead of FREE and is
 * never handed out again.
 *
 * Counts, always equal under the lock: nr_free + nr_in_use (RESERVED, IN_USE)
 * + nr_awaiting (HELD, AWAITING, INTERRUPTED) + nr_poisoned == nr_blocks.
 *
 * The zero pool (docs/design.md, "The zero pool"): a FREE block may carry
 * the "zeroed" mark, set only by xdax_core_zero_end() after a background
 * zeroing that ran from start to end while the block stayed FREE, and
 * cleared whenever the block leaves FREE.  The zeroer works on one FREE
 * block at a time (c->zeroing) without taking it out of FREE, so the counts
 * never see it; an allocation takes that block only when it is the last
 * free one, and then waits for the zeroer to let go of it.
 */
#ifndef XDAX_CORE_H
#define XDAX_CORE_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

enum xdax_core_state {
	XDAX_CORE_FREE = 0,
	XDAX_CORE_RESERVED,
	XDAX_CORE_IN_USE,
	XDAX_CORE_HELD,
	XDAX_CORE_AWAITING,
	XDAX_CORE_INTERRUPTED,
	XDAX_CORE_POISONED,
};

#define XDAX_CORE_NONE	(~0UL)	/* no block / no file block */
/* A file block fits in u32: files never outgrow the range (xdax_core_init). */
#define XDAX_CORE_NO_OWNER	U32_MAX

/* What a reserved block holds (xdax_core_reserve_zero). */
enum xdax_core_zero {
	XDAX_CORE_DIRTY = 0,	/* anything: zero it */
	XDAX_CORE_ZEROED,	/* zeroed since its last free */
	XDAX_CORE_ZEROING,	/* the zeroer's: wait until it lets go, then zero it */
};

struct xdax_core {
	struct mutex lock;		/* everything below but the entry table's reads */
	unsigned long nr_blocks;
	unsigned long nr_free, nr_in_use, nr_awaiting, nr_poisoned;
	unsigned long *free_map;	/* FREE */
	unsigned long *awaiting_map;	/* HELD, AWAITING, INTERRUPTED */
	unsigned long *poison_map;	/* a memory failure hit the block */
	unsigned long *zeroed_map;	/* FREE and zeroed since its last free */
	unsigned long nr_zeroed;	/* blocks in zeroed_map */
	unsigned long zeroing;		/* the FREE block being zeroed, or NONE */
	bool zero_stolen;		/* an allocation took c->zeroing meanwhile */
	u32 *owner;			/* file block of a block in or just out of the file */
	u8 *state;			/* enum xdax_core_state */
	unsigned long next;		/* allocation cursor: rotates through the range */
	struct xarray entries;		/* file block -> xa_mk_value(block) */
};

/* The blocks one call took out of the file (own) and adopted (the rest). */
struct xdax_core_batch {
	unsigned long nr, own;
	unsigned long *block;		/* XDAX_CORE_NONE once freed */
};

/* try_free(arg, block): freeze the block's refcount 1 -> 0; true if it did. */
typedef bool (*xdax_try_free_t)(void *arg, unsigned long block);

int xdax_core_init(struct xdax_core *c, unsigned long nr_blocks);
void xdax_core_destroy(struct xdax_core *c);
size_t xdax_core_table_bytes(const struct xdax_core *c);

/* All of these take c->lock themselves; lookups need no lock. */
unsigned long xdax_core_reserve(struct xdax_core *c);
unsigned long xdax_core_reserve_zero(struct xdax_core *c, enum xdax_core_zero *zero);
int xdax_core_reserve_n(struct xdax_core *c, unsigned long n, unsigned long *blocks,
			enum xdax_core_zero *zero);
unsigned long xdax_core_zero_begin(struct xdax_core *c, unsigned long target);
bool xdax_core_zero_end(struct xdax_core *c, unsigned long block, bool done);
int xdax_core_install(struct xdax_core *c, unsigned long fblock, unsigned long block);
void xdax_core_uninstall(struct xdax_core *c, unsigned long fblock, unsigned long block);
void xdax_core_unreserve(struct xdax_core *c, unsigned long block);
void xdax_core_quarantine(struct xdax_core *c, unsigned long block);
unsigned long xdax_core_lookup(struct xdax_core *c, unsigned long fblock);
bool xdax_core_poisoned(struct xdax_core *c, unsigned long block);

int xdax_core_detach(struct xdax_core *c, unsigned long first, unsigned long last,
		     bool detach, struct xdax_core_batch *batch);
unsigned long xdax_core_settle(struct xdax_core *c, struct xdax_core_batch *batch,
			       xdax_try_free_t try_free, void *arg,
			       unsigned long *adopted_freed);
void xdax_core_unhold(struct xdax_core *c, struct xdax_core_batch *batch,
		      bool interrupted);
bool xdax_core_reap_due(struct xdax_core *c, xdax_try_free_t idle, void *arg);
unsigned long xdax_core_reap(struct xdax_core *c, xdax_try_free_t try_free, void *arg,
			     unsigned long *left);
enum xdax_core_state xdax_core_poison(struct xdax_core *c, unsigned long block,
				      unsigned long *fblock);
unsigned long xdax_core_drain(struct xdax_core *c, xdax_try_free_t try_free, void *arg);

/* Called with c->lock held. */
unsigned long xdax_core_check(struct xdax_core *c,
			      void (*report)(void *arg, unsigned long block,
					     const char *what),
			      void *arg);

#endif /* XDAX_CORE_H */
