// SPDX-License-Identifier: GPL-2.0
/*
 * xdax block bookkeeping: allocator, entry table, block states and who waits
 * for them.  The states and transitions are drawn in xdax_core.h; the
 * protocol they serve is docs/design.md.  Pure logic over indices: the
 * module drives it with a try_free() that freezes page refcounts, the KUnit
 * suite (xdax_kunit.c) with stand-ins.
 *
 * Locking: c->lock (a mutex) protects everything but the readers of the entry
 * table, which use the xarray's own RCU (xdax_core_lookup).  Every function
 * here takes c->lock itself, except xdax_core_check().  Callers may hold the
 * mapping's invalidate_lock and a fault lock (xdax_fault.c) around them.
 */
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/lockdep.h>
#include <linux/slab.h>

#include "xdax_core.h"

/*
 * Every table is sized by the range (a 64 GiB range: 32768 blocks) and
 * allocated with kvcalloc(), which falls back to vmalloc: no allocation here
 * needs contiguous pages, so a fragmented machine can still load a large
 * range.  Bookkeeping per block: four bits, a u32 owner and a state byte,
 * plus the entry table's xarray nodes for blocks in the file.
 */
int xdax_core_init(struct xdax_core *c, unsigned long nr_blocks)
{
	unsigned long longs = BITS_TO_LONGS(nr_blocks);

	memset(c, 0, sizeof(*c));
	mutex_init(&c->lock);
	xa_init(&c->entries);
	if (nr_blocks >= XDAX_CORE_NO_OWNER)
		return -E2BIG;
	c->nr_blocks = nr_blocks;
	c->free_map = kvcalloc(longs, sizeof(long), GFP_KERNEL);
	c->awaiting_map = kvcalloc(longs, sizeof(long), GFP_KERNEL);
	c->poison_map = kvcalloc(longs, sizeof(long), GFP_KERNEL);
	c->zeroed_map = kvcalloc(longs, sizeof(long), GFP_KERNEL);
	c->owner = kvmalloc_array(nr_blocks, sizeof(*c->owner), GFP_KERNEL);
	c->state = kvzalloc(nr_blocks, GFP_KERNEL);
	if (!c->free_map || !c->awaiting_map || !c->poison_map || !c->zeroed_map ||
	    !c->owner || !c->state) {
		xdax_core_destroy(c);
		return -ENOMEM;
	}
	bitmap_fill(c->free_map, nr_blocks);
	memset(c->owner, 0xff, nr_blocks * sizeof(*c->owner));
	c->nr_free = nr_blocks;
	c->zeroing = XDAX_CORE_NONE;
	return 0;
}

/* The fixed tables' bytes (the entry table's xarray nodes come on top). */
size_t xdax_core_table_bytes(const struct xdax_core *c)
{
	return 4 * BITS_TO_LONGS(c->nr_blocks) * sizeof(long) +
	       c->nr_blocks * (sizeof(*c->owner) + sizeof(*c->state));
}

void xdax_core_destroy(struct xdax_core *c)
{
	xa_destroy(&c->entries);
	kvfree(c->free_map);
	kvfree(c->awaiting_map);
	kvfree(c->poison_map);
	kvfree(c->zeroed_map);
	kvfree(c->owner);
	kvfree(c->state);
	c->free_map = NULL;
	c->awaiting_map = NULL;
	c->poison_map = NULL;
	c->zeroed_map = NULL;
	c->owner = NULL;
	c->state = NULL;
	mutex_destroy(&c->lock);
}

/* A block's file block, XDAX_CORE_NONE if it has none. */
static unsigned long xdax_core_owner(const struct xdax_core *c, unsigned long b)
{
	u32 o = c->owner[b];

	return o == XDAX_CORE_NO_OWNER ? XDAX_CORE_NONE : o;
}

static bool xdax_core_is_awaiting(enum xdax_core_state st)
{
	return st == XDAX_CORE_HELD || st == XDAX_CORE_AWAITING ||
	       st == XDAX_CORE_INTERRUPTED;
}

/*
 * The one place a block changes state: keeps the bitmaps and counters in
 * step with c->state.  Context: c->lock held.
 */
static void xdax_core_set(struct xdax_core *c, unsigned long b, enum xdax_core_state to)
{
	enum xdax_core_state from = c->state[b];

	lockdep_assert_held(&c->lock);
	switch (from) {
	case XDAX_CORE_FREE:
		__clear_bit(b, c->free_map);
		c->nr_free--;
		/* Whatever takes it, the zeroed mark does not go along. */
		if (__test_and_clear_bit(b, c->zeroed_map))
			c->nr_zeroed--;
		break;
	case XDAX_CORE_RESERVED:
	case XDAX_CORE_IN_USE:
		c->nr_in_use--;
		break;
	case XDAX_CORE_POISONED:
		c->nr_poisoned--;
		break;
	default:
		__clear_bit(b, c->awaiting_map);
		c->nr_awaiting--;
	}
	switch (to) {
	case XDAX_CORE_FREE:
		__set_bit(b, c->free_map);
		c->nr_free++;
		c->owner[b] = XDAX_CORE_NO_OWNER;
		break;
	case XDAX_CORE_RESERVED:
	case XDAX_CORE_IN_USE:
		c->nr_in_use++;
		break;
	case XDAX_CORE_POISONED:
		c->nr_poisoned++;
		c->owner[b] = XDAX_CORE_NO_OWNER;
		break;
	default:
		__set_bit(b, c->awaiting_map);
		c->nr_awaiting++;
	}
	WRITE_ONCE(c->state[b], to);	/* xdax_core_reap_due() reads it unlocked */
}

/* Out of the file for good: FREE, or POISONED if a memory failure hit it. */
static void xdax_core_release(struct xdax_core *c, unsigned long b)
{
	xdax_core_set(c, b, test_bit(b, c->poison_map) ? XDAX_CORE_POISONED : XDAX_CORE_FREE);
}

/*
 * The first block of @map from the rotating cursor on (wrapping), @skip
 * excepted.  Context: c->lock held.
 */
static unsigned long xdax_core_next(struct xdax_core *c, const unsigned long *map,
				    unsigned long skip)
{
	unsigned long b = find_next_bit(map, c->nr_blocks, c->next);

	if (b == skip)
		b = find_next_bit(map, c->nr_blocks, b + 1);
	if (b >= c->nr_blocks) {
		b = find_first_bit(map, c->nr_blocks);
		if (b == skip)
			b = find_next_bit(map, c->nr_blocks, b + 1);
	}
	return b < c->nr_blocks ? b : XDAX_CORE_NONE;
}

/*
 * The next free block: a zeroed one if there is one, else one the zeroer is
 * not on, else (@zero given) the zeroer's own, which is then stolen from
 * it.  *zero (if given) says which.  Context: c->lock held.
 */
static unsigned long xdax_core_take(struct xdax_core *c, enum xdax_core_zero *zero)
{
	enum xdax_core_zero z = XDAX_CORE_ZEROED;
	unsigned long b;

	b = xdax_core_next(c, c->zeroed_map, XDAX_CORE_NONE);
	if (b == XDAX_CORE_NONE) {
		z = XDAX_CORE_DIRTY;
		b = xdax_core_next(c, c->free_map, c->zeroing);
	}
	if (b == XDAX_CORE_NONE && zero && c->zeroing != XDAX_CORE_NONE &&
	    c->state[c->zeroing] == XDAX_CORE_FREE) {
		z = XDAX_CORE_ZEROING;
		b = c->zeroing;
		c->zero_stolen = true;
	}
	if (b == XDAX_CORE_NONE)
		return XDAX_CORE_NONE;
	xdax_core_set(c, b, XDAX_CORE_RESERVED);
	c->next = b + 1 < c->nr_blocks ? b + 1 : 0;
	if (zero)
		*zero = z;
	return b;
}

/*
 * FREE -> RESERVED: a block for the caller to thaw, zero and install.  The
 * cursor rotates through the range, so a block just freed is the last one
 * handed out again.  Returns XDAX_CORE_NONE if no block is free.  Never the
 * zeroer's block: the caller cannot tell, and zeroes it anyway.
 */
unsigned long xdax_core_reserve(struct xdax_core *c)
{
	unsigned long b;

	mutex_lock(&c->lock);
	b = xdax_core_take(c, NULL);
	mutex_unlock(&c->lock);
	return b;
}

/*
 * As xdax_core_reserve(), zeroed blocks first; *zero says what the block
 * holds (enum xdax_core_zero): only a ZEROED block may go without zeroing.
 */
unsigned long xdax_core_reserve_zero(struct xdax_core *c, enum xdax_core_zero *zero)
{
	unsigned long b;

	mutex_lock(&c->lock);
	b = xdax_core_take(c, zero);
	mutex_unlock(&c->lock);
	return b;
}

/* n blocks at once, or none (-ENOSPC); zero[i] (if given) as *zero above. */
int xdax_core_reserve_n(struct xdax_core *c, unsigned long n, unsigned long *blocks,
			enum xdax_core_zero *zero)
{
	unsigned long i;
	int err = 0;

	mutex_lock(&c->lock);
	/* Without @zero, the zeroer's block is not to be had. */
	if (n > c->nr_free - (!zero && c->zeroing != XDAX_CORE_NONE &&
			      c->state[c->zeroing] == XDAX_CORE_FREE))
		err = -ENOSPC;
	for (i = 0; i < n && !err; i++)
		blocks[i] = xdax_core_take(c, zero ? zero + i : NULL);
	mutex_unlock(&c->lock);
	return err;
}

/*
 * The background zeroer's next block: a FREE block without the zeroed mark,
 * from the allocation cursor on (the blocks handed out next), while fewer
 * than @target blocks are zeroed.  The block stays FREE (and counted so);
 * c->zeroing names it until xdax_core_zero_end().  XDAX_CORE_NONE if there
 * is nothing to do.
 */
unsigned long xdax_core_zero_begin(struct xdax_core *c, unsigned long target)
{
	unsigned long i, w, start, words = BITS_TO_LONGS(c->nr_blocks), b = XDAX_CORE_NONE;

	mutex_lock(&c->lock);
	start = c->next / BITS_PER_LONG;
	if (c->nr_zeroed >= target || c->nr_zeroed >= c->nr_free ||
	    c->zeroing != XDAX_CORE_NONE)
		goto out;
	for (i = 0; i < words; i++) {
		unsigned long word = (start + i) % words;

		w = c->free_map[word] & ~c->zeroed_map[word];
		if (word == words - 1)
			w &= BITMAP_LAST_WORD_MASK(c->nr_blocks);
		if (w) {
			b = word * BITS_PER_LONG + __ffs(w);
			break;
		}
	}
	if (b == XDAX_CORE_NONE)
		goto out;
	c->zeroing = b;
	c->zero_stolen = false;
out:
	mutex_unlock(&c->lock);
	return b;
}

/*
 * The zeroer is done with @block (@done: it zeroed every page of it).  The
 * mark is set only if the block stayed FREE all along: not stolen by an
 * allocation, not poisoned.  Returns whether it was marked.
 */
bool xdax_core_zero_end(struct xdax_core *c, unsigned long block, bool done)
{
	bool mark;

	mutex_lock(&c->lock);
	mark = done && c->zeroing == block && !c->zero_stolen &&
	       c->state[block] == XDAX_CORE_FREE && !test_bit(block, c->poison_map);
	if (mark && !__test_and_set_bit(block, c->zeroed_map))
		c->nr_zeroed++;
	c->zero_stolen = false;
	/* The zeroes before it: a stealer's acquire load sees them (xdax_zero_wait). */
	smp_store_release(&c->zeroing, XDAX_CORE_NONE);
	mutex_unlock(&c->lock);
	return mark;
}

/*
 * RESERVED -> IN_USE as the backing of @fblock.  -EEXIST if @fblock already
 * has a block, -ENOMEM if the entry table cannot grow; the block then stays
 * RESERVED for the caller to unreserve.
 */
int xdax_core_install(struct xdax_core *c, unsigned long fblock, unsigned long block)
{
	int err;

	mutex_lock(&c->lock);
	if (block >= c->nr_blocks || c->state[block] != XDAX_CORE_RESERVED ||
	    fblock >= XDAX_CORE_NO_OWNER) {
		err = -EINVAL;
	} else {
		err = xa_insert(&c->entries, fblock, xa_mk_value(block), GFP_KERNEL);
		if (err == -EBUSY)
			err = -EEXIST;
	}
	if (!err) {
		c->owner[block] = fblock;
		xdax_core_set(c, block, XDAX_CORE_IN_USE);
	}
	mutex_unlock(&c->lock);
	return err;
}

/*
 * IN_USE -> RESERVED: undo an install.  Only for a block nothing can have
 * mapped or referenced (the caller held off faults since the install).
 */
void xdax_core_uninstall(struct xdax_core *c, unsigned long fblock, unsigned long block)
{
	mutex_lock(&c->lock);
	if (block < c->nr_blocks && c->state[block] == XDAX_CORE_IN_USE &&
	    c->owner[block] == fblock &&
	    xa_cmpxchg(&c->entries, fblock, xa_mk_value(block), NULL, 0) ==
	    xa_mk_value(block)) {
		c->owner[block] = XDAX_CORE_NO_OWNER;
		xdax_core_set(c, block, XDAX_CORE_RESERVED);
	}
	mutex_unlock(&c->lock);
}

/* RESERVED -> FREE (or POISONED): a reservation nobody will install. */
void xdax_core_unreserve(struct xdax_core *c, unsigned long block)
{
	mutex_lock(&c->lock);
	if (block < c->nr_blocks && c->state[block] == XDAX_CORE_RESERVED)
		xdax_core_release(c, block);
	mutex_unlock(&c->lock);
}

/* RESERVED -> POISONED: a free block was found referenced; never use it. */
void xdax_core_quarantine(struct xdax_core *c, unsigned long block)
{
	mutex_lock(&c->lock);
	if (block < c->nr_blocks && c->state[block] == XDAX_CORE_RESERVED)
		xdax_core_set(c, block, XDAX_CORE_POISONED);
	mutex_unlock(&c->lock);
}

/* The block backing @fblock, or XDAX_CORE_NONE.  Lockless (RCU in xa_load). */
unsigned long xdax_core_lookup(struct xdax_core *c, unsigned long fblock)
{
	void *entry = xa_load(&c->entries, fblock);

	return entry ? xa_to_value(entry) : XDAX_CORE_NONE;
}

/* Has a memory failure hit @block?  Lockless: the bit is only ever set. */
bool xdax_core_poisoned(struct xdax_core *c, unsigned long block)
{
	return test_bit(block, c->poison_map);
}

static bool xdax_core_owned_in(struct xdax_core *c, unsigned long b,
			       unsigned long first, unsigned long last)
{
	return c->state[b] == XDAX_CORE_INTERRUPTED && c->owner[b] >= first &&
	       c->owner[b] <= last;
}

/*
 * Take file blocks [first, last] out of the file for one call: with @detach,
 * every IN_USE block of the range leaves the entry table; and every block of
 * the range that an interrupted call left behind is adopted.  All of them
 * become HELD by the caller, listed in @batch (own ones first).  The caller
 * must have zapped every mapping of the range and must keep new faults out
 * (the exclusive invalidate_lock) until this returns.  -ENOMEM with nothing
 * changed if the list cannot be allocated.
 */
int xdax_core_detach(struct xdax_core *c, unsigned long first, unsigned long last,
		     bool detach, struct xdax_core_batch *batch)
{
	unsigned long fblock, b, n = 0;
	void *entry;

	memset(batch, 0, sizeof(*batch));
	mutex_lock(&c->lock);
	if (detach)
		xa_for_each_range(&c->entries, fblock, entry, first, last)
			n++;
	for_each_set_bit(b, c->awaiting_map, c->nr_blocks)
		n += xdax_core_owned_in(c, b, first, last);
	if (n) {
		batch->block = kvmalloc_array(n, sizeof(*batch->block), GFP_KERNEL);
		if (!batch->block) {
			mutex_unlock(&c->lock);
			return -ENOMEM;
		}
	}
	if (detach) {
		xa_for_each_range(&c->entries, fblock, entry, first, last) {
			b = xa_to_value(entry);
			xa_erase(&c->entries, fblock);
			xdax_core_set(c, b, XDAX_CORE_HELD);
			batch->block[batch->nr++] = b;
		}
	}
	batch->own = batch->nr;
	for_each_set_bit(b, c->awaiting_map, c->nr_blocks) {
		if (xdax_core_owned_in(c, b, first, last)) {
			xdax_core_set(c, b, XDAX_CORE_HELD);
			batch->block[batch->nr++] = b;
		}
	}
	mutex_unlock(&c->lock);
	return 0;
}

/*
 * Try to free every block of @batch that is still held: FREE (or POISONED)
 * where try_free() says so.  Returns how many stay held; *adopted_freed gets
 * the number of adopted blocks freed now (the caller signals them as reclaim
 * events: another call had left them awaiting).
 */
unsigned long xdax_core_settle(struct xdax_core *c, struct xdax_core_batch *batch,
			       xdax_try_free_t try_free, void *arg,
			       unsigned long *adopted_freed)
{
	unsigned long i, b, left = 0, adopted = 0;

	mutex_lock(&c->lock);
	for (i = 0; i < batch->nr; i++) {
		b = batch->block[i];
		if (b == XDAX_CORE_NONE)
			continue;
		if (try_free(arg, b)) {
			xdax_core_release(c, b);
			batch->block[i] = XDAX_CORE_NONE;
			adopted += i >= batch->own;
		} else {
			left++;
		}
	}
	mutex_unlock(&c->lock);
	*adopted_freed = adopted;
	return left;
}

/*
 * The call is done with @batch: what is still held becomes INTERRUPTED (the
 * call's wait ended early: a repeat over the range adopts it again) or
 * AWAITING (NOWAIT: the reaper's and the event stream's).  Frees the list.
 */
void xdax_core_unhold(struct xdax_core *c, struct xdax_core_batch *batch,
		      bool interrupted)
{
	unsigned long i, b;

	mutex_lock(&c->lock);
	for (i = 0; i < batch->nr; i++) {
		b = batch->block[i];
		if (b != XDAX_CORE_NONE)
			xdax_core_set(c, b, interrupted ? XDAX_CORE_INTERRUPTED :
							  XDAX_CORE_AWAITING);
	}
	mutex_unlock(&c->lock);
	kvfree(batch->block);
	memset(batch, 0, sizeof(*batch));
}

/*
 * Free the AWAITING and INTERRUPTED blocks that try_free() lets go (HELD ones
 * are their calls').  Returns the number freed; *left the number that stay.
 */
unsigned long xdax_core_reap(struct xdax_core *c, xdax_try_free_t try_free, void *arg,
			     unsigned long *left)
{
	unsigned long b, freed = 0, stay = 0;

	mutex_lock(&c->lock);
	for_each_set_bit(b, c->awaiting_map, c->nr_blocks) {
		if (c->state[b] == XDAX_CORE_HELD)
			continue;
		if (try_free(arg, b)) {
			xdax_core_release(c, b);
			freed++;
		} else {
			stay++;
		}
	}
	mutex_unlock(&c->lock);
	*left = stay;
	return freed;
}

/*
 * Whether an AWAITING or INTERRUPTED block looks idle to @idle() (a HELD one
 * is its call's, which frees it itself): the reaper's poll and the event
 * waiters' (xdax_reclaim.c), a hint read without the lock.  A bit or state
 * that changes meanwhile only makes a round come early (it finds nothing)
 * or one poll later; blocks newly awaiting kick the reaper themselves.
 * Context: any, softirq included; no lock.
 */
bool xdax_core_reap_due(struct xdax_core *c, xdax_try_free_t idle, void *arg)
{
	unsigned long i, w, b, words = BITS_TO_LONGS(c->nr_blocks);

	for (i = 0; i < words; i++) {
		w = READ_ONCE(c->awaiting_map[i]);
		while (w) {
			b = i * BITS_PER_LONG + __ffs(w);
			if (b < c->nr_blocks && READ_ONCE(c->state[b]) != XDAX_CORE_HELD &&
			    idle(arg, b))
				return true;
			w &= w - 1;
		}
	}
	return false;
}

/*
 * A memory failure hit @block: set its poison bit.  A FREE block goes
 * POISONED at once; any other keeps its state until it leaves the file.
 * Returns the state before; *fblock the file block it backs (IN_USE).
 */
enum xdax_core_state xdax_core_poison(struct xdax_core *c, unsigned long block,
				      unsigned long *fblock)
{
	enum xdax_core_state st;

	mutex_lock(&c->lock);
	st = c->state[block];
	*fblock = xdax_core_owner(c, block);
	__set_bit(block, c->poison_map);
	if (st == XDAX_CORE_FREE)
		xdax_core_set(c, block, XDAX_CORE_POISONED);
	mutex_unlock(&c->lock);
	return st;
}

/*
 * Unload: every block that is in the file or awaits reclaim leaves it where
 * try_free() lets it (no file is open, nothing can map).  Allocates nothing.
 * Returns the number of blocks that stay.
 */
unsigned long xdax_core_drain(struct xdax_core *c, xdax_try_free_t try_free, void *arg)
{
	unsigned long b, left = 0;
	enum xdax_core_state st;

	mutex_lock(&c->lock);
	for (b = 0; b < c->nr_blocks; b++) {
		st = c->state[b];
		if (st == XDAX_CORE_FREE || st == XDAX_CORE_POISONED)
			continue;
		if (st == XDAX_CORE_RESERVED || !try_free(arg, b)) {
			left++;
			continue;
		}
		if (st == XDAX_CORE_IN_USE)
			xa_erase(&c->entries, c->owner[b]);
		xdax_core_release(c, b);
	}
	mutex_unlock(&c->lock);
	return left;
}

unsigned long xdax_core_check(struct xdax_core *c,
			      void (*report)(void *arg, unsigned long block,
					     const char *what),
			      void *arg)
{
	unsigned long b, fblock, n = 0, nz = 0, cnt[XDAX_CORE_POISONED + 1] = { 0 };
	void *entry;

#define XDAX_BAD(blk, what) do { report(arg, blk, what); n++; } while (0)
	lockdep_assert_held(&c->lock);
	for (b = 0; b < c->nr_blocks; b++) {
		enum xdax_core_state st = c->state[b];
		bool is_free = st == XDAX_CORE_FREE, in_use = st == XDAX_CORE_IN_USE;
		bool listed = xdax_core_owner(c, b) != XDAX_CORE_NONE &&
			      xa_load(&c->entries, c->owner[b]) == xa_mk_value(b);

		if (st > XDAX_CORE_POISONED) {
			XDAX_BAD(b, "invalid state");
			continue;
		}
		cnt[st]++;
		if (test_bit(b, c->free_map) != is_free)
			XDAX_BAD(b, "free bitmap disagrees with the state");
		if (test_bit(b, c->awaiting_map) != xdax_core_is_awaiting(st))
			XDAX_BAD(b, "awaiting bitmap disagrees with the state");
		if (listed && !in_use)
			XDAX_BAD(b, "entry points at a block that is not in use");
		if (in_use && !listed)
			XDAX_BAD(b, "in-use block that no entry points at");
		if ((st == XDAX_CORE_FREE || st == XDAX_CORE_POISONED) &&
		    xdax_core_owner(c, b) != XDAX_CORE_NONE)
			XDAX_BAD(b, "block out of the file still owned by a file offset");
		if (st == XDAX_CORE_FREE && test_bit(b, c->poison_map))
			XDAX_BAD(b, "poisoned block in the free pool");
		if (test_bit(b, c->zeroed_map)) {
			nz++;
			if (!is_free)
				XDAX_BAD(b, "zeroed mark on a block that is not free");
		}
	}
	xa_for_each(&c->entries, fblock, entry) {
		b = xa_to_value(entry);
		if (b >= c->nr_blocks)
			XDAX_BAD(b, "entry points past the range");
		else if (c->owner[b] != fblock)
			XDAX_BAD(b, "entry and block disagree on the file offset");
	}
	if (cnt[XDAX_CORE_FREE] != c->nr_free ||
	    cnt[XDAX_CORE_RESERVED] + cnt[XDAX_CORE_IN_USE] != c->nr_in_use ||
	    cnt[XDAX_CORE_HELD] + cnt[XDAX_CORE_AWAITING] + cnt[XDAX_CORE_INTERRUPTED] !=
	    c->nr_awaiting || cnt[XDAX_CORE_POISONED] != c->nr_poisoned)
		XDAX_BAD(XDAX_CORE_NONE, "counters disagree with the block states");
	if (nz != c->nr_zeroed)
		XDAX_BAD(XDAX_CORE_NONE, "zeroed count disagrees with the zeroed marks");
	if (c->nr_free + c->nr_in_use + c->nr_awaiting + c->nr_poisoned != c->nr_blocks)
		XDAX_BAD(XDAX_CORE_NONE, "free + in use + awaiting + poisoned != total");
#undef XDAX_BAD
	return n;
}
