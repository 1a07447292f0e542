// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only views of a device: statistics, the audit (every block's page
 * refcount against its state, and the bookkeeping against itself) and the
 * query of one block.  None of them changes anything.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/percpu.h>

#include "xdax.h"
#include "xdax_compat.h"

/* Context: takes the core lock. */
void xdax_stats(struct xdax_dev *xd, struct xdax_kstats *st)
{
	struct xdax_core *c = &xd->core;
	unsigned int cpu;

	mutex_lock(&c->lock);
	st->total = c->nr_blocks;
	st->free = c->nr_free;
	st->in_use = c->nr_in_use;
	st->awaiting = c->nr_awaiting;
	st->poisoned = c->nr_poisoned;
	st->zeroed_free = c->nr_zeroed;
	mutex_unlock(&c->lock);
	st->file_size = READ_ONCE(xd->size);
	st->page_free_calls = atomic64_read(&xd->page_free_calls);
	st->kernel_free_calls = atomic64_read(&xd->pgmap_free_calls);
	st->anomalies = atomic64_read(&xd->anomalies);
	st->pte_faults = 0;
	st->pmd_faults = 0;
	st->pud_faults = 0;
	for_each_possible_cpu(cpu) {
		const struct xdax_fault_stats *f = per_cpu_ptr(xd->fault_stats, cpu);

		st->pte_faults += READ_ONCE(f->pte);
		st->pmd_faults += READ_ONCE(f->pmd);
		st->pud_faults += READ_ONCE(f->pud);
	}
	st->reclaim_events = atomic64_read(&xd->reclaim_seq);
	st->pinned_pages = atomic64_read(&xd->pinned_pages);
	st->zeroed = atomic64_read(&xd->zeroed);
	st->memory_failures = atomic64_read(&xd->memory_failures);
	st->zeroed_inline = atomic64_read(&xd->zeroed_inline);
	st->zeroed_background = atomic64_read(&xd->zeroed_background);
	st->reaper_rounds = atomic64_read(&xd->reaper_rounds);
	st->reaper_ns = atomic64_read(&xd->reaper_ns);
	st->unpin_freed = atomic64_read(&xd->unpin_freed);
	st->waiter_freed = atomic64_read(&xd->waiter_freed);
	st->alloc_freed = atomic64_read(&xd->alloc_freed);
}

static void xdax_audit_report(void *arg, unsigned long block, const char *what)
{
	struct xdax_dev *xd = arg;

	pr_err_ratelimited("%s: audit: block %lu: %s\n", dev_name(&xd->dev), block, what);
}

/* One block's refcount against its state.  Returns the mismatches (0 or 1). */
static unsigned long xdax_audit_block(struct xdax_dev *xd, unsigned long b,
				      enum xdax_core_state st)
{
	struct folio *folio = xdax_block_folio(xd, b);
	int count = folio_ref_count(folio);
	const char *bad = NULL;

	switch (st) {
	case XDAX_CORE_FREE:
	case XDAX_CORE_POISONED:
		if (count)
			bad = "free block with a nonzero refcount";
		else if (folio_mapped(folio))
			bad = "free block still mapped";
		break;
	case XDAX_CORE_RESERVED:
		if (count > 1 || folio_mapped(folio))
			bad = "reserved block referenced or mapped";
		break;
	default:
		if (count < 1)
			bad = "owned block with refcount 0";
	}
	if (!bad && folio->mapping != xdax_mapping(xd))
		bad = "block not pointing at the device's mapping";
	if (!bad)
		return 0;
	pr_err_ratelimited("%s: audit: block %lu (state %d, refcount %d): %s\n",
			   dev_name(&xd->dev), b, st, count, bad);
	return 1;
}

/*
 * Compare every block's refcount with its state, and the bookkeeping with
 * itself.  Returns the number of mismatches, each one logged.  Nothing is
 * changed, not even a counter.
 * Context: takes the invalidate_lock exclusive (no fault is between taking
 * and publishing a block while it looks) and the core lock: callers are
 * root (sysfs, 0400) or writers of the device (the ioctl).
 */
unsigned long xdax_audit(struct xdax_dev *xd)
{
	struct address_space *mapping = xdax_mapping(xd);
	struct xdax_core *c = &xd->core;
	unsigned long b, bad;

	filemap_invalidate_lock(mapping);
	mutex_lock(&c->lock);
	bad = xdax_core_check(c, xdax_audit_report, xd);
	for (b = 0; b < c->nr_blocks; b++)
		bad += xdax_audit_block(xd, b, c->state[b]);
	mutex_unlock(&c->lock);
	filemap_invalidate_unlock(mapping);
	return bad;
}

/*
 * One block (@block, or the one behind file block @fblock when @block is
 * XDAX_CORE_NONE) as XDAX_IOC_QUERY shows it.  Context: takes the core lock.
 */
void xdax_query(struct xdax_dev *xd, unsigned long block, struct xdax_kquery *q)
{
	struct xdax_core *c = &xd->core;
	struct folio *folio;

	mutex_lock(&c->lock);
	q->block = block;
	if (block == XDAX_CORE_NONE) {
		q->refcount = -1;
		q->mapcount = -1;
		q->poisoned = false;
		q->state = XDAX_CORE_FREE;
	} else {
		folio = xdax_block_folio(xd, block);
		q->state = c->state[block];
		q->poisoned = test_bit(block, c->poison_map);
		q->refcount = folio_ref_count(folio);
		q->mapcount = XDAX_MAPPING_REFS ? folio_mapcount(folio) : -1;
	}
	mutex_unlock(&c->lock);
}
