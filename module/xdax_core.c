// SPDX-License-Identifier: GPL-2.0
/*
 * xdax block bookkeeping: allocator, entry table and block states.  See
 * xdax_core.h for the state machine.  Pure logic over indices, driven by
 * xdax_dev.c in the module and by xdax_kunit.c in the KUnit suite.
 */
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "xdax_core.h"

int xdax_core_init(struct xdax_core *c, unsigned long nr_blocks)
{
	memset(c, 0, sizeof(*c));
	mutex_init(&c->lock);
	xa_init(&c->entries);
	c->nr_blocks = nr_blocks;
	c->free_map = bitmap_zalloc(nr_blocks, GFP_KERNEL);
	c->awaiting_map = bitmap_zalloc(nr_blocks, GFP_KERNEL);
	c->owner = kvmalloc_array(nr_blocks, sizeof(*c->owner), GFP_KERNEL);
	c->state = kvzalloc(nr_blocks, GFP_KERNEL);
	if (!c->free_map || !c->awaiting_map || !c->owner || !c->state) {
		xdax_core_destroy(c);
		return -ENOMEM;
	}
	bitmap_fill(c->free_map, nr_blocks);
	memset(c->owner, 0xff, nr_blocks * sizeof(*c->owner));
	c->nr_free = nr_blocks;
	return 0;
}

void xdax_core_destroy(struct xdax_core *c)
{
	xa_destroy(&c->entries);
	bitmap_free(c->free_map);
	bitmap_free(c->awaiting_map);
	kvfree(c->owner);
	kvfree(c->state);
	c->free_map = NULL;
	c->awaiting_map = NULL;
	c->owner = NULL;
	c->state = NULL;
	mutex_destroy(&c->lock);
}

/*
 * Take a free block for file block @fblock.  The cursor rotates through the
 * range, so a block just freed is the last one handed out again.
 */
unsigned long xdax_core_alloc(struct xdax_core *c, unsigned long fblock)
{
	unsigned long b;

	mutex_lock(&c->lock);
	b = find_next_bit(c->free_map, c->nr_blocks, c->next);
	if (b >= c->nr_blocks)
		b = find_first_bit(c->free_map, c->nr_blocks);
	if (b < c->nr_blocks) {
		__clear_bit(b, c->free_map);
		c->state[b] = XDAX_CORE_IN_USE;
		c->owner[b] = fblock;
		c->nr_free--;
		c->nr_in_use++;
		c->next = b + 1 < c->nr_blocks ? b + 1 : 0;
	} else {
		b = XDAX_CORE_NONE;
	}
	mutex_unlock(&c->lock);
	return b;
}

/* Publish @block as the backing of @fblock: -EEXIST if another won the race. */
int xdax_core_install(struct xdax_core *c, unsigned long fblock, unsigned long block)
{
	int err;

	mutex_lock(&c->lock);
	if (block >= c->nr_blocks || c->state[block] != XDAX_CORE_IN_USE ||
	    c->owner[block] != fblock) {
		err = -EINVAL;
	} else {
		err = xa_insert(&c->entries, fblock, xa_mk_value(block), GFP_KERNEL);
		if (err == -EBUSY)
			err = -EEXIST;
	}
	mutex_unlock(&c->lock);
	return err;
}

static void xdax_core_to_free(struct xdax_core *c, unsigned long block)
{
	if (c->state[block] == XDAX_CORE_AWAITING) {
		__clear_bit(block, c->awaiting_map);
		c->nr_awaiting--;
	} else {
		c->nr_in_use--;
	}
	c->state[block] = XDAX_CORE_FREE;
	c->owner[block] = XDAX_CORE_NONE;
	__set_bit(block, c->free_map);
	c->nr_free++;
}

/* An in-use block that no entry points at: the caller's own, never published. */
static bool xdax_core_unlisted(struct xdax_core *c, unsigned long block)
{
	return block < c->nr_blocks && c->state[block] == XDAX_CORE_IN_USE &&
	       xa_load(&c->entries, c->owner[block]) != xa_mk_value(block);
}

int xdax_core_release_unlisted(struct xdax_core *c, unsigned long block)
{
	int err = -EINVAL;

	mutex_lock(&c->lock);
	if (xdax_core_unlisted(c, block)) {
		xdax_core_to_free(c, block);
		err = 0;
	}
	mutex_unlock(&c->lock);
	return err;
}

unsigned long xdax_core_lookup(struct xdax_core *c, unsigned long fblock)
{
	void *entry = xa_load(&c->entries, fblock);

	return entry ? xa_to_value(entry) : XDAX_CORE_NONE;
}

unsigned long xdax_core_detach(struct xdax_core *c, unsigned long first,
			       unsigned long last)
{
	unsigned long fblock, block, n = 0;
	void *entry;

	mutex_lock(&c->lock);
	xa_for_each_range(&c->entries, fblock, entry, first, last) {
		block = xa_to_value(entry);
		xa_erase(&c->entries, fblock);
		c->state[block] = XDAX_CORE_AWAITING;
		__set_bit(block, c->awaiting_map);
		c->nr_in_use--;
		c->nr_awaiting++;
		n++;
	}
	mutex_unlock(&c->lock);
	return n;
}

unsigned long xdax_core_reclaim(struct xdax_core *c, unsigned long first,
				unsigned long last,
				bool (*try_free)(void *arg, unsigned long block,
						 unsigned long fblock),
				void *arg, unsigned long *left)
{
	unsigned long b, freed = 0, stay = 0;

	mutex_lock(&c->lock);
	for_each_set_bit(b, c->awaiting_map, c->nr_blocks) {
		if (c->owner[b] < first || c->owner[b] > last)
			continue;
		if (try_free(arg, b, c->owner[b])) {
			xdax_core_to_free(c, b);
			freed++;
		} else {
			stay++;
		}
	}
	mutex_unlock(&c->lock);
	if (left)
		*left = stay;
	return freed;
}

unsigned long xdax_core_check(struct xdax_core *c,
			      void (*report)(void *arg, unsigned long block,
					     const char *what),
			      void *arg)
{
	unsigned long b, fblock, n = 0, nf = 0, nu = 0, na = 0;
	void *entry;

#define XDAX_BAD(blk, what) do { report(arg, blk, what); n++; } while (0)
	lockdep_assert_held(&c->lock);
	for (b = 0; b < c->nr_blocks; b++) {
		bool is_free = test_bit(b, c->free_map);
		bool is_awaiting = test_bit(b, c->awaiting_map);

		switch (c->state[b]) {
		case XDAX_CORE_FREE:
			nf++;
			if (!is_free || is_awaiting)
				XDAX_BAD(b, "free block with wrong bitmap bits");
			if (c->owner[b] != XDAX_CORE_NONE)
				XDAX_BAD(b, "free block still owned by a file offset");
			break;
		case XDAX_CORE_IN_USE:
			nu++;
			if (is_free || is_awaiting)
				XDAX_BAD(b, "in-use block with wrong bitmap bits");
			if (xa_load(&c->entries, c->owner[b]) != xa_mk_value(b))
				XDAX_BAD(b, "in-use block that no entry points at");
			break;
		case XDAX_CORE_AWAITING:
			na++;
			if (is_free || !is_awaiting)
				XDAX_BAD(b, "awaiting block with wrong bitmap bits");
			if (xa_load(&c->entries, c->owner[b]) == xa_mk_value(b))
				XDAX_BAD(b, "awaiting block still in the entry table");
			break;
		default:
			XDAX_BAD(b, "invalid state");
		}
	}
	xa_for_each(&c->entries, fblock, entry) {
		b = xa_to_value(entry);
		if (b >= c->nr_blocks)
			XDAX_BAD(b, "entry points past the range");
		else if (c->state[b] != XDAX_CORE_IN_USE)
			XDAX_BAD(b, "entry points at a block that is not in use");
		else if (c->owner[b] != fblock)
			XDAX_BAD(b, "entry and block disagree on the file offset");
	}
	if (nf != c->nr_free || nu != c->nr_in_use || na != c->nr_awaiting)
		XDAX_BAD(XDAX_CORE_NONE, "counters disagree with the block states");
	if (c->nr_free + c->nr_in_use + c->nr_awaiting != c->nr_blocks)
		XDAX_BAD(XDAX_CORE_NONE, "free + in use + awaiting != total");
#undef XDAX_BAD
	return n;
}
