/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure bookkeeping of one xdax device: which blocks are free, which file
 * block each in-use block backs (the entry table), and which blocks wait for
 * reclaim.  No struct page is touched here: refcounts are the caller's
 * business (xdax_dev.c), so this file is what the KUnit suite drives.
 *
 * Block states and the only transitions between them:
 *
 *   FREE --alloc--> IN_USE (not yet in the table) --install--> IN_USE (entry)
 *     ^                 |                                         |
 *     |       release_unlisted (lost an install race)            detach
 *     |                 v                                         v
 *     +-------------- FREE <-------------- release ------- AWAITING_RECLAIM
 *
 * Counts: nr_free + nr_in_use + nr_awaiting == nr_blocks, always, under lock.
 */
#ifndef XDAX_CORE_H
#define XDAX_CORE_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

enum xdax_core_state {
	XDAX_CORE_FREE = 0,
	XDAX_CORE_IN_USE = 1,
	XDAX_CORE_AWAITING = 2,
};

#define XDAX_CORE_NONE	(~0UL)	/* no block / no file offset */

struct xdax_core {
	struct mutex lock;		/* everything below */
	unsigned long nr_blocks;
	unsigned long nr_free, nr_in_use, nr_awaiting;
	unsigned long *free_map;	/* bit set: block is free */
	unsigned long *awaiting_map;	/* bit set: block awaits reclaim */
	unsigned long *owner;		/* file block of an in-use/awaiting block */
	u8 *state;			/* enum xdax_core_state per block */
	unsigned long next;		/* allocation cursor: rotate through the range */
	struct xarray entries;		/* file block -> xa_mk_value(block) */
};

int xdax_core_init(struct xdax_core *c, unsigned long nr_blocks);
void xdax_core_destroy(struct xdax_core *c);

/* All of these take c->lock themselves. */
unsigned long xdax_core_alloc(struct xdax_core *c, unsigned long fblock);
int xdax_core_install(struct xdax_core *c, unsigned long fblock, unsigned long block);
unsigned long xdax_core_lookup(struct xdax_core *c, unsigned long fblock);

/*
 * Detach every entry with first <= file block <= last: each block becomes
 * AWAITING.  Never allocates, so it cannot fail.  Returns how many.
 */
unsigned long xdax_core_detach(struct xdax_core *c, unsigned long first,
			       unsigned long last);

/*
 * Visit awaiting blocks whose file block lies in [first, last] (all of them
 * for 0, ULONG_MAX).  @try_free is called with c->lock held and decides
 * whether the block can go (it freezes the refcount); on true the block is
 * released to FREE.  Returns the number released; *left gets the number of
 * visited blocks that stay awaiting.
 */
unsigned long xdax_core_reclaim(struct xdax_core *c, unsigned long first,
				unsigned long last,
				bool (*try_free)(void *arg, unsigned long block,
						 unsigned long fblock),
				void *arg, unsigned long *left);

/*
 * FREE <- IN_USE for a block no entry points at: one that lost an install
 * race, or an allocation rolled back.  -EINVAL for any other block.
 */
int xdax_core_release_unlisted(struct xdax_core *c, unsigned long block);

/*
 * Check the bookkeeping against itself: bitmap, states, both xarrays and the
 * counters.  Must be called with c->lock held.  @report is called once per
 * inconsistency with a static description.  Returns the number found.
 */
unsigned long xdax_core_check(struct xdax_core *c,
			      void (*report)(void *arg, unsigned long block,
					     const char *what),
			      void *arg);

#endif /* XDAX_CORE_H */
