// SPDX-License-Identifier: GPL-2.0
/*
 * The xdax refcount protocol and everything that moves blocks through it:
 * faults, truncate and punch with their idle wait, the reaper, and pins.
 *
 *   free       refcount frozen at 0: every get in the kernel is
 *              add-unless-zero, so nothing can map, pin or look at it.
 *   allocated  0 -> 1 by folio_ref_unfreeze(): the 1 is xdax's entry
 *              reference, held for as long as the block backs a file block
 *              or awaits reclaim.  Mappings add references on kernels that
 *              map refcounted folios (>= 6.15), none on devmap kernels; pins
 *              add one per pinned page.
 *   freed      only by folio_ref_freeze(folio, 1), 1 -> 0, once the block
 *              left the entry table and every mapping was zapped.  That
 *              freeze is xdax's page_free: it is where a block returns to
 *              the allocator.  A put never takes a block to 0, so the
 *              kernel's own GENERIC free path (page_free on 6.x, a silent
 *              reset to 1 on 7.x) is never reached.
 *
 * Why gup-fast cannot race the freeze: the block is removed from the entry
 * table and every PTE/PMD is zapped under the exclusive invalidate_lock
 * before the freeze, so no page table points at it any more.  A gup-fast
 * walker that read a PTE before the zap either got its reference in before
 * the freeze (the freeze fails: retried later) or fails its add-unless-zero
 * after it and falls back to the slow path, which faults, which waits for
 * the invalidate_lock and then finds no entry.  The same argument as
 * dax_layout_busy_page_range() in fs/dax.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/linux/xdax.h>

#include "xdax.h"
#include "xdax_compat.h"

/* Reaper backoff: retry soon after new work, then back off to 100 ms. */
#define XDAX_REAP_MIN_MS	1
#define XDAX_REAP_MAX_MS	100
/* Blocking waits poll from 50 us up to 20 ms. */
#define XDAX_WAIT_MIN_US	50
#define XDAX_WAIT_MAX_US	20000

struct folio *xdax_block_folio(struct xdax_dev *xd, unsigned long block)
{
	unsigned long pfn = PHYS_PFN(xd->range.start) + (block << XDAX_BLOCK_ORDER);

	return page_folio(pfn_to_page(pfn));
}

unsigned long xdax_nr_blocks(struct xdax_dev *xd)
{
	return xd->range.size >> XDAX_BLOCK_SHIFT;
}

void xdax_anomaly(struct xdax_dev *xd, unsigned long block, const char *what)
{
	atomic64_inc(&xd->anomalies);
	pr_err_ratelimited("%s: block %lu: %s\n", dev_name(&xd->dev), block, what);
}

/*
 * Copy an argument struct in under the UAPI conventions: size first, then
 * copy_struct_from_user (E2BIG for unknown nonzero trailing bytes).
 */
int xdax_copy_arg(void *karg, size_t ksize, const void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < 2 * sizeof(u32))
		return -EINVAL;
	return copy_struct_from_user(karg, ksize, uarg, usize);
}

/* Copy a result back: as much of it as the caller's struct (its size) holds. */
int xdax_copy_out(void __user *uarg, const void *karg, size_t ksize)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	return copy_to_user(uarg, karg, min_t(size_t, usize, ksize)) ? -EFAULT : 0;
}

/* ---- the protocol: allocate (0 -> 1) and free (1 -> 0) ------------------- */

static void xdax_zero_block(struct xdax_dev *xd, struct folio *folio)
{
	unsigned long i;

	for (i = 0; i < XDAX_BLOCK_PAGES; i++) {
		clear_highpage(folio_page(folio, i));
		if (!(i & 63))
			cond_resched();
	}
	atomic64_inc(&xd->zeroed);
}

/*
 * xdax's page_free: the 1 -> 0 freeze succeeded, the block is xdax's alone
 * again.  Called with the core lock held (from xdax_core_reclaim) or on a
 * block nobody else ever saw.
 */
static void xdax_page_free(struct xdax_dev *xd, struct folio *folio)
{
	folio->mapping = NULL;
	folio->index = 0;
	folio_clear_dirty(folio);
	atomic64_inc(&xd->page_free_calls);
}

bool xdax_try_free(void *arg, unsigned long block, unsigned long fblock)
{
	struct xdax_dev *xd = arg;
	struct folio *folio = xdax_block_folio(xd, block);

	if (!folio_ref_freeze(folio, 1))
		return false;
	xdax_page_free(xd, folio);
	return true;
}

/*
 * The block backing file block @fblock, allocating and zeroing one for a
 * hole.  Caller holds the invalidate_lock (shared or exclusive).
 */
static int xdax_block_get(struct xdax_dev *xd, unsigned long fblock,
			  unsigned long *blockp, bool *newp)
{
	struct folio *folio;
	unsigned long b;
	int err;

	for (;;) {
		b = xdax_core_lookup(&xd->core, fblock);
		if (b != XDAX_CORE_NONE) {
			*blockp = b;
			return 0;
		}
		b = xdax_core_alloc(&xd->core, fblock);
		if (b == XDAX_CORE_NONE)
			return -ENOSPC;
		folio = xdax_block_folio(xd, b);
		if (folio_ref_count(folio) != 0) {
			/* Someone holds a free block: never hand it out. */
			xdax_anomaly(xd, b, "free block with a nonzero refcount");
			return -EIO;
		}
		folio_ref_unfreeze(folio, 1);	/* the entry reference */
		xdax_zero_block(xd, folio);
		folio->mapping = xd->inode->i_mapping;
		folio->index = fblock << XDAX_BLOCK_ORDER;
		err = xdax_core_install(&xd->core, fblock, b);
		if (!err) {
			if (newp)
				*newp = true;
			*blockp = b;
			return 0;
		}
		/* Lost the race (or no memory): nobody saw the block, free it. */
		if (!xdax_try_free(xd, b, fblock))
			xdax_anomaly(xd, b, "unpublished block referenced");
		else
			xdax_core_release_unlisted(&xd->core, b);
		if (err != -EEXIST)
			return err;
	}
}

/* ---- faults ------------------------------------------------------------- */

static vm_fault_t xdax_insert_pte(struct vm_fault *vmf, struct folio *folio,
				  unsigned long idx, bool write)
{
#if XDAX_MAPPING_REFS
	return vmf_insert_page_mkwrite(vmf, folio_page(folio, idx), write);
#else
	pfn_t pfn = phys_to_pfn_t(PFN_PHYS(folio_pfn(folio) + idx), PFN_DEV | PFN_MAP);

	return vmf_insert_mixed(vmf->vma, vmf->address, pfn);
#endif
}

static vm_fault_t xdax_insert_pmd(struct vm_fault *vmf, struct folio *folio,
				  bool write)
{
#if XDAX_MAPPING_REFS
	return vmf_insert_folio_pmd(vmf, folio, write);
#else
	return vmf_insert_pfn_pmd(vmf, phys_to_pfn_t(PFN_PHYS(folio_pfn(folio)),
						     PFN_DEV | PFN_MAP), write);
#endif
}

static vm_fault_t xdax_fault_order(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct xdax_file *xf = vma->vm_file->private_data;
	struct xdax_dev *xd = xf->xd;
	struct address_space *mapping = vma->vm_file->f_mapping;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	unsigned long block, addr;
	struct folio *folio;
	vm_fault_t ret;
	pgoff_t pgoff;
	int err;

	pgoff = vmf->pgoff;
	if (order) {
		/* Only whole, aligned blocks inside the VMA map with a PMD. */
		addr = vmf->address & PMD_MASK;
		if (order != XDAX_BLOCK_ORDER ||
		    addr < vma->vm_start || addr + PMD_SIZE > vma->vm_end)
			return VM_FAULT_FALLBACK;
		pgoff = linear_page_index(vma, addr);
		if (pgoff & (XDAX_BLOCK_PAGES - 1))
			return VM_FAULT_FALLBACK;
	}

	filemap_invalidate_lock_shared(mapping);
	if (pgoff >= READ_ONCE(xd->size) >> PAGE_SHIFT) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	err = xdax_block_get(xd, pgoff >> XDAX_BLOCK_ORDER, &block, NULL);
	if (err) {
		ret = err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
		goto out;
	}
	folio = xdax_block_folio(xd, block);
	if (order) {
		ret = xdax_insert_pmd(vmf, folio, write);
		if (ret == VM_FAULT_NOPAGE)
			atomic64_inc(&xd->pmd_faults);
	} else {
		ret = xdax_insert_pte(vmf, folio, pgoff & (XDAX_BLOCK_PAGES - 1), write);
		if (ret == VM_FAULT_NOPAGE)
			atomic64_inc(&xd->pte_faults);
	}
out:
	filemap_invalidate_unlock_shared(mapping);
	return ret;
}

static vm_fault_t xdax_fault(struct vm_fault *vmf)
{
	return xdax_fault_order(vmf, 0);
}

#if defined(XDAX_HAVE_PAGE_ENTRY_SIZE)
static vm_fault_t xdax_huge_fault(struct vm_fault *vmf, enum page_entry_size pe)
{
	return pe == PE_SIZE_PMD ? xdax_fault_order(vmf, XDAX_BLOCK_ORDER) :
				   VM_FAULT_FALLBACK;
}
#else
static vm_fault_t xdax_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	return order == XDAX_BLOCK_ORDER ? xdax_fault_order(vmf, order) :
					   VM_FAULT_FALLBACK;
}
#endif

/*
 * No page_mkwrite or pfn_mkwrite: either would make the VMA need dirty
 * tracking, and the kernel then refuses long-term writable pins.
 */
static const struct vm_operations_struct xdax_vm_ops = {
	.fault = xdax_fault,
	.huge_fault = xdax_huge_fault,
};

int xdax_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct xdax_file *xf = file->private_data;
	u64 cap_pages = xf->xd->range.size >> PAGE_SHIFT;
	unsigned long pages = vma_pages(vma);

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;		/* no copy-on-write of device blocks */
	if (vma->vm_pgoff > cap_pages || pages > cap_pages - vma->vm_pgoff)
		return -EINVAL;
	vma->vm_ops = &xdax_vm_ops;
	xdax_vm_flags_set(vma, VM_HUGEPAGE);
	return 0;
}

unsigned long xdax_get_unmapped_area(struct file *file, unsigned long addr,
				     unsigned long len, unsigned long pgoff,
				     unsigned long flags)
{
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}

/* ---- truncate, punch, and waiting for idle ------------------------------ */

/* Hold the module (once) while the device has work that outlives its files. */
static void xdax_hold_locked(struct xdax_dev *xd)
{
	lockdep_assert_held(&xd->hold_lock);
	if (!xd->held) {
		__module_get(THIS_MODULE);
		xd->held = true;
	}
}

static void xdax_hold(struct xdax_dev *xd)
{
	mutex_lock(&xd->hold_lock);
	xdax_hold_locked(xd);
	mutex_unlock(&xd->hold_lock);
}

static void xdax_reaper_kick(struct xdax_dev *xd)
{
	mutex_lock(&xd->hold_lock);
	xd->reap_delay_ms = XDAX_REAP_MIN_MS;
	mutex_unlock(&xd->hold_lock);
	mod_delayed_work(system_wq, &xd->reaper, 0);
}

/* Any in-use block referenced by something other than xdax's entry? */
static bool xdax_foreign_refs(struct xdax_dev *xd)
{
	struct xdax_core *c = &xd->core;
	unsigned long b;
	bool busy = false;

	mutex_lock(&c->lock);
	for (b = 0; b < c->nr_blocks && !busy; b++)
		busy = c->state[b] == XDAX_CORE_IN_USE &&
		       folio_ref_count(xdax_block_folio(xd, b)) != 1;
	mutex_unlock(&c->lock);
	return busy;
}

void xdax_reaper_fn(struct work_struct *work)
{
	struct xdax_dev *xd = container_of(to_delayed_work(work), struct xdax_dev,
					   reaper);
	unsigned long freed, left;
	bool busy;

	freed = xdax_core_reclaim(&xd->core, 0, ULONG_MAX, xdax_try_free, xd, &left);
	if (freed) {
		atomic64_add(freed, &xd->reclaim_seq);
		wake_up_interruptible_all(&xd->event_wq);
	}
	busy = left || (!atomic_read(&xd->openers) && xdax_foreign_refs(xd));

	mutex_lock(&xd->hold_lock);
	if (busy) {
		xdax_hold_locked(xd);
		schedule_delayed_work(&xd->reaper, msecs_to_jiffies(xd->reap_delay_ms));
		xd->reap_delay_ms = min_t(unsigned int, xd->reap_delay_ms * 2,
					  XDAX_REAP_MAX_MS);
	} else if (xd->held) {
		/* rmmod's exit waits for this work item before freeing code. */
		xd->held = false;
		module_put(THIS_MODULE);
	}
	mutex_unlock(&xd->hold_lock);
}

/* The last file closed: watch for references that outlive every file. */
void xdax_last_close(struct xdax_dev *xd)
{
	if (xdax_foreign_refs(xd))
		xdax_hold(xd);
	xdax_reaper_kick(xd);
}

struct xdax_wait {
	u32 flags;
	u64 timeout_ns;
	u64 freed, pending;
};

/*
 * Free the awaiting blocks that backed file blocks [first, last]: at once if
 * idle, else wait for them (interruptible, bounded by the timeout) unless
 * NOWAIT.  Whatever is left stays awaiting reclaim for the reaper.
 */
static int xdax_settle(struct xdax_dev *xd, unsigned long first,
		       unsigned long last, struct xdax_wait *w)
{
	ktime_t deadline = KTIME_MAX;
	unsigned long left, delay_us = XDAX_WAIT_MIN_US;
	int err = 0;

	if (w->flags & XDAX_WAIT_TIMEOUT)
		deadline = ktime_add_ns(ktime_get(), min_t(u64, w->timeout_ns, KTIME_MAX / 2));
	w->freed = xdax_core_reclaim(&xd->core, first, last, xdax_try_free, xd, &left);
	if (left)
		xdax_hold(xd);	/* before anyone can close the last file */
	while (left && !(w->flags & XDAX_WAIT_NOWAIT)) {
		ktime_t slack, now = ktime_get();

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
		set_current_state(TASK_INTERRUPTIBLE);
		schedule_hrtimeout_range(&slack, delay_us * NSEC_PER_USEC / 4,
					 HRTIMER_MODE_REL);
		delay_us = min_t(unsigned long, delay_us * 2, XDAX_WAIT_MAX_US);
		w->freed += xdax_core_reclaim(&xd->core, first, last, xdax_try_free,
					      xd, &left);
	}
	w->pending = left;
	xdax_reaper_kick(xd);
	return err;
}

/*
 * Start a wait from the caller's flags and timeout; @outputs is the OR of
 * the output fields, which must come in as 0.
 */
static int xdax_wait_init(struct xdax_wait *w, u32 flags, u64 timeout_ns, u64 outputs)
{
	if ((flags & ~(XDAX_WAIT_NOWAIT | XDAX_WAIT_TIMEOUT)) || outputs)
		return -EINVAL;
	if ((flags & XDAX_WAIT_NOWAIT) && (flags & XDAX_WAIT_TIMEOUT))
		return -EINVAL;
	*w = (struct xdax_wait){ .flags = flags, .timeout_ns = timeout_ns };
	return 0;
}

/* Check [offset, offset + len) against the device: alignment, wrap, capacity. */
static int xdax_range_ok(struct xdax_dev *xd, u64 offset, u64 len)
{
	u64 end;

	if (!len || !IS_ALIGNED(offset, XDAX_BLOCK_SIZE) ||
	    !IS_ALIGNED(len, XDAX_BLOCK_SIZE))
		return -EINVAL;
	if (check_add_overflow(offset, len, &end))
		return -EOVERFLOW;
	if (end > xd->range.size)
		return -EFBIG;
	return 0;
}

/*
 * Take file blocks [first, last] out of the file: no fault can map them
 * again (exclusive invalidate_lock), then zap every mapping of them.
 */
static void xdax_detach_range(struct xdax_dev *xd, unsigned long first,
			      unsigned long last)
{
	struct address_space *mapping = xd->inode->i_mapping;
	pgoff_t start = (pgoff_t)first << XDAX_BLOCK_ORDER;
	pgoff_t nr = last == ULONG_MAX ? 0 :
		     (pgoff_t)(last - first + 1) << XDAX_BLOCK_ORDER;

	lockdep_assert_held_write(&mapping->invalidate_lock);
	xdax_core_detach(&xd->core, first, last);
	unmap_mapping_pages(mapping, start, nr, false);
}

/*
 * The body of SET_SIZE and PUNCH: take file blocks [first, last] out under
 * the exclusive lock (and set the size, unless @new_size is U64_MAX), then
 * settle them.  A grow detaches nothing.
 */
static int xdax_remove(struct xdax_dev *xd, unsigned long first, unsigned long last,
		       u64 new_size, struct xdax_wait *w)
{
	struct address_space *mapping = xd->inode->i_mapping;

	filemap_invalidate_lock(mapping);
	if (new_size == U64_MAX || new_size < xd->size)
		xdax_detach_range(xd, first, last);
	if (new_size != U64_MAX)
		WRITE_ONCE(xd->size, new_size);
	filemap_invalidate_unlock(mapping);
	return xdax_settle(xd, first, last, w);
}

long xdax_ioctl_set_size(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_set_size a;
	struct xdax_wait w;
	int err;

	err = xdax_copy_arg(&a, sizeof(a), uarg);
	if (err)
		return err;
	err = xdax_wait_init(&w, a.flags, a.timeout_ns, a.freed | a.pending);
	if (err)
		return err;
	if (!IS_ALIGNED(a.new_size, XDAX_BLOCK_SIZE))
		return -EINVAL;
	if (a.new_size > xd->range.size)
		return -EFBIG;

	err = xdax_remove(xd, a.new_size >> XDAX_BLOCK_SHIFT, ULONG_MAX, a.new_size, &w);
	if (err)
		return err;
	a.freed = w.freed;
	a.pending = w.pending;
	return xdax_copy_out(uarg, &a, sizeof(a));
}

long xdax_ioctl_punch(struct xdax_dev *xd, void __user *uarg)
{
	unsigned long first;
	struct xdax_punch a;
	struct xdax_wait w;
	int err;

	err = xdax_copy_arg(&a, sizeof(a), uarg);
	if (err)
		return err;
	err = xdax_wait_init(&w, a.flags, a.timeout_ns, a.freed | a.pending);
	if (err)
		return err;
	err = xdax_range_ok(xd, a.offset, a.length);
	if (err)
		return err;

	first = a.offset >> XDAX_BLOCK_SHIFT;
	err = xdax_remove(xd, first, first + (a.length >> XDAX_BLOCK_SHIFT) - 1,
			  U64_MAX, &w);
	if (err)
		return err;
	a.freed = w.freed;
	a.pending = w.pending;
	return xdax_copy_out(uarg, &a, sizeof(a));
}

long xdax_ioctl_allocate(struct xdax_dev *xd, void __user *uarg)
{
	struct address_space *mapping = xd->inode->i_mapping;
	unsigned long first, nr, i, b, n = 0;
	unsigned long *fresh = NULL;
	struct xdax_allocate a;
	bool new;
	int err;

	err = xdax_copy_arg(&a, sizeof(a), uarg);
	if (err)
		return err;
	if (a.flags || a.allocated)
		return -EINVAL;
	err = xdax_range_ok(xd, a.offset, a.length);
	if (err)
		return err;
	first = a.offset >> XDAX_BLOCK_SHIFT;
	nr = a.length >> XDAX_BLOCK_SHIFT;
	fresh = bitmap_zalloc(nr, GFP_KERNEL);
	if (!fresh)
		return -ENOMEM;

	/* Exclusive: no fault can map a block of the range until we are done. */
	filemap_invalidate_lock(mapping);
	if (a.offset + a.length > xd->size) {
		err = -EINVAL;
		goto out;
	}
	for (i = 0; i < nr; i++)
		n += xdax_core_lookup(&xd->core, first + i) == XDAX_CORE_NONE;
	if (n > READ_ONCE(xd->core.nr_free)) {
		err = -ENOSPC;	/* all or nothing */
		goto out;
	}
	n = 0;
	for (i = 0; i < nr && !err; i++) {
		new = false;
		err = xdax_block_get(xd, first + i, &b, &new);
		if (new) {
			__set_bit(i, fresh);
			n++;
		}
	}
	if (err) {
		/* Give back what this call allocated: unmapped, unreferenced. */
		for_each_set_bit(i, fresh, nr) {
			xdax_core_detach(&xd->core, first + i, first + i);
			xdax_core_reclaim(&xd->core, first + i, first + i,
					  xdax_try_free, xd, NULL);
		}
	}
out:
	filemap_invalidate_unlock(mapping);
	bitmap_free(fresh);
	if (err)
		return err;
	a.allocated = n;
	return xdax_copy_out(uarg, &a, sizeof(a));
}

/* ---- pins --------------------------------------------------------------- */

struct xdax_pin_rec {
	struct list_head link;
	u64 id;
	unsigned long nr;
	struct page **pages;
	struct mm_struct *mm;	/* charged for RLIMIT_MEMLOCK */
};

static void xdax_pin_release(struct xdax_dev *xd, struct xdax_pin_rec *p)
{
	unpin_user_pages(p->pages, p->nr);
	atomic64_sub(p->nr, &xd->pinned_pages);
	account_locked_vm(p->mm, p->nr, false);
	mmdrop(p->mm);
	kvfree(p->pages);
	kfree(p);
}

/*
 * Every byte of [start, end) must be mapped from this device: pinning
 * anything else (and FOLL_LONGTERM may migrate anonymous memory to do it)
 * is not this ioctl's business.  The pfn check after pinning stays, for a
 * mapping changed in between.
 */
static int xdax_check_pin_range(struct xdax_dev *xd, struct mm_struct *mm,
				unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;
	int err = 0;

	mmap_read_lock(mm);
	while (start < end && !err) {
		vma = vma_lookup(mm, start);
		if (!vma || !xdax_file_of(vma->vm_file, xd))
			err = -EINVAL;
		else
			start = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return err;
}

long xdax_ioctl_pin(struct xdax_file *xf, void __user *uarg)
{
	struct xdax_dev *xd = xf->xd;
	unsigned int gup = FOLL_LONGTERM;
	struct mm_struct *mm = current->mm;
	struct xdax_pin_rec *p;
	struct xdax_pin a;
	unsigned long pfn;
	long got, i;
	int err;

	err = xdax_copy_arg(&a, sizeof(a), uarg);
	if (err)
		return err;
	if ((a.flags & ~XDAX_PIN_READONLY) || a.id)
		return -EINVAL;
	if (!a.length || !PAGE_ALIGNED(a.addr) || !PAGE_ALIGNED(a.length))
		return -EINVAL;
	if (a.addr + a.length < a.addr)
		return -EOVERFLOW;
	if (a.length > xd->range.size)
		return -EINVAL;
	err = xdax_check_pin_range(xd, mm, a.addr, a.addr + a.length);
	if (err)
		return err;
	if (!(a.flags & XDAX_PIN_READONLY))
		gup |= FOLL_WRITE;

	p = kzalloc_obj(*p);
	if (!p)
		return -ENOMEM;
	p->nr = a.length >> PAGE_SHIFT;
	p->pages = kvmalloc_array(p->nr, sizeof(*p->pages), GFP_KERNEL);
	if (!p->pages) {
		err = -ENOMEM;
		goto err_free;
	}
	err = account_locked_vm(mm, p->nr, true);
	if (err)
		goto err_free;
	got = pin_user_pages_fast(a.addr, p->nr, gup, p->pages);
	if (got != p->nr) {
		if (got > 0)
			unpin_user_pages(p->pages, got);
		err = got < 0 ? got : -EFAULT;
		goto err_unaccount;
	}
	for (i = 0; i < got; i++) {
		/* By pfn: a tail page's ->pgmap aliases compound_head before 6.15. */
		pfn = page_to_pfn(p->pages[i]);
		if (pfn < PHYS_PFN(xd->range.start) ||
		    pfn >= PHYS_PFN(xd->range.start + xd->range.size)) {
			unpin_user_pages(p->pages, got);
			err = -EINVAL;	/* not a mapping of this device */
			goto err_unaccount;
		}
	}
	mmgrab(mm);
	p->mm = mm;
	atomic64_add(p->nr, &xd->pinned_pages);
	mutex_lock(&xf->lock);
	p->id = ++xf->next_pin_id;
	list_add_tail(&p->link, &xf->pins);
	mutex_unlock(&xf->lock);

	a.id = p->id;
	return xdax_copy_out(uarg, &a, sizeof(a));

err_unaccount:
	account_locked_vm(mm, p->nr, false);
err_free:
	kvfree(p->pages);
	kfree(p);
	return err;
}

long xdax_ioctl_unpin(struct xdax_file *xf, void __user *uarg)
{
	struct xdax_pin_rec *p, *found = NULL;
	struct xdax_unpin a;
	int err;

	err = xdax_copy_arg(&a, sizeof(a), uarg);
	if (err)
		return err;
	if (a.flags)
		return -EINVAL;
	mutex_lock(&xf->lock);
	list_for_each_entry(p, &xf->pins, link) {
		if (p->id == a.id) {
			list_del(&p->link);
			found = p;
			break;
		}
	}
	mutex_unlock(&xf->lock);
	if (!found)
		return -ENOENT;
	xdax_pin_release(xf->xd, found);
	return 0;
}

void xdax_unpin_all(struct xdax_file *xf)
{
	struct xdax_pin_rec *p, *n;

	list_for_each_entry_safe(p, n, &xf->pins, link) {
		list_del(&p->link);
		xdax_pin_release(xf->xd, p);
	}
}
