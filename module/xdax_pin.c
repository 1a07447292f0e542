// SPDX-License-Identifier: GPL-2.0
/*
 * Long-term pins owned by an open file (XDAX_IOC_PIN / XDAX_IOC_UNPIN), the
 * way an RDMA driver pins a memory region: pin_user_pages_fast() with
 * FOLL_LONGTERM, charged to RLIMIT_MEMLOCK, released by UNPIN, close or
 * process death.  A pinned block stays referenced, so truncate and punch
 * wait for it (or leave it awaiting reclaim): one pinned page holds a whole
 * 2 MiB block, so a pin is charged whole blocks, once per block it touches.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "xdax.h"
#include "xdax_compat.h"
#include "xdax_trace.h"

struct xdax_pin_rec {
	struct list_head link;
	u64 id;
	unsigned long addr;	/* user address pinned, as given */
	unsigned long nr;
	struct page **pages;
	struct mm_struct *mm;	/* charged for RLIMIT_MEMLOCK ... */
	unsigned long charged;	/* ... this many pages: whole blocks */
};

/* Context: process context, no lock held (xdax_reclaim_unpinned takes the core lock). */
static void xdax_pin_release(struct xdax_dev *xd, struct xdax_pin_rec *p)
{
	trace_xdax_unpin(xd, p->id, p->addr, p->nr);
	unpin_user_pages(p->pages, p->nr);
	atomic64_sub(p->nr, &xd->pinned_pages);
	account_locked_vm(p->mm, p->charged, false);
	mmdrop(p->mm);
	kvfree(p->pages);
	kfree(p);
	/* If that was the last reference to a block awaiting reclaim: free it now. */
	xdax_reclaim_unpinned(xd);
}

/*
 * Every byte of [start, end) must be mapped from this device: pinning
 * anything else (and FOLL_LONGTERM may migrate anonymous memory to do it)
 * is not this ioctl's business.  The pfn check after pinning stays, for a
 * mapping changed in between.  Context: takes mmap_lock (read).
 */
static int xdax_pin_check_vmas(struct xdax_dev *xd, struct mm_struct *mm,
			       unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;
	int err = 0;

	mmap_read_lock(mm);
	while (start < end && !err) {
		vma = vma_lookup(mm, start);
		if (!vma || xdax_vma_dev(vma) != xd)
			err = -EINVAL;
		else
			start = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return err;
}

/*
 * The blocks of this device that @pages lie in, counted once each; -EINVAL
 * if a page is not the device's (a mapping changed since the VMA check).
 */
static long xdax_pin_blocks(struct xdax_dev *xd, struct page **pages, unsigned long nr)
{
	unsigned long lo = PHYS_PFN(xd->range.start), pfn, i;
	unsigned long *seen = kvcalloc(BITS_TO_LONGS(xdax_nr_blocks(xd)), sizeof(long),
				      GFP_KERNEL);
	long blocks = 0;

	if (!seen)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		/* By pfn: a tail page's ->pgmap aliases compound_head before 6.15. */
		pfn = page_to_pfn(pages[i]);
		if (pfn < lo || pfn - lo >= xd->range.size >> PAGE_SHIFT) {
			blocks = -EINVAL;
			break;
		}
		blocks += !__test_and_set_bit((pfn - lo) >> xdax_block_order(xd), seen);
	}
	kvfree(seen);
	return blocks;
}

/*
 * Pin [addr, addr + len) of the caller's mappings of this device; *id gets
 * the handle.  The length is capped (XDAX_PIN_MAX_PAGES) and charged to
 * RLIMIT_MEMLOCK before anything is allocated for it: first the fewest whole
 * blocks it can touch, then, once pinned, the rest of the blocks it does.
 * Context: process context; takes mmap_lock (read), then xf->pin_lock.
 */
int xdax_pin(struct xdax_file *xf, unsigned long addr, unsigned long len, bool write,
	     u64 *id)
{
	unsigned int gup = FOLL_LONGTERM | (write ? FOLL_WRITE : 0);
	struct mm_struct *mm = current->mm;
	struct xdax_dev *xd = xf->xd;
	unsigned long charged, want;
	struct xdax_pin_rec *p;
	long got, blocks;
	int err;

	if (!len || !PAGE_ALIGNED(addr) || !PAGE_ALIGNED(len))
		return -EINVAL;
	if (addr + len < addr)
		return -EOVERFLOW;
	if (len >> PAGE_SHIFT > XDAX_PIN_MAX_PAGES)
		return -EINVAL;
	err = xdax_pin_check_vmas(xd, mm, addr, addr + len);
	if (err)
		return err;

	charged = round_up(len >> PAGE_SHIFT, xdax_block_pages(xd));
	err = account_locked_vm(mm, charged, true);
	if (err)
		return err;
	p = kzalloc_obj(*p);
	if (!p) {
		err = -ENOMEM;
		goto err_unaccount;
	}
	p->addr = addr;
	p->nr = len >> PAGE_SHIFT;
	p->pages = kvmalloc_array(p->nr, sizeof(*p->pages), GFP_KERNEL);
	if (!p->pages) {
		err = -ENOMEM;
		goto err_free;
	}
	got = pin_user_pages_fast(addr, p->nr, gup, p->pages);
	if (got != p->nr) {
		if (got > 0)
			unpin_user_pages(p->pages, got);
		err = got < 0 ? got : -EFAULT;
		goto err_free;
	}
	blocks = xdax_pin_blocks(xd, p->pages, p->nr);
	want = blocks > 0 ? blocks * xdax_block_pages(xd) : 0;
	err = blocks < 0 ? blocks :
	      want > charged ? account_locked_vm(mm, want - charged, true) : 0;
	if (err) {
		unpin_user_pages(p->pages, p->nr);
		goto err_free;
	}
	charged = max(want, charged);
	mmgrab(mm);
	p->mm = mm;
	p->charged = charged;
	atomic64_add(p->nr, &xd->pinned_pages);
	mutex_lock(&xf->pin_lock);
	p->id = ++xf->next_pin_id;
	list_add_tail(&p->link, &xf->pins);
	trace_xdax_pin(xd, p->id, addr, p->nr);
	mutex_unlock(&xf->pin_lock);
	*id = p->id;
	return 0;

err_free:
	kvfree(p->pages);
	kfree(p);
err_unaccount:
	account_locked_vm(mm, charged, false);
	return err;
}

/* Release pin @id of this file: -ENOENT if it holds none.  Context: takes xf->pin_lock. */
int xdax_unpin(struct xdax_file *xf, u64 id)
{
	struct xdax_pin_rec *p, *found = NULL;

	mutex_lock(&xf->pin_lock);
	list_for_each_entry(p, &xf->pins, link) {
		if (p->id == id) {
			list_del(&p->link);
			found = p;
			break;
		}
	}
	mutex_unlock(&xf->pin_lock);
	if (!found)
		return -ENOENT;
	xdax_pin_release(xf->xd, found);
	return 0;
}

/* The file is closing: nothing else can reach its pins. */
void xdax_unpin_all(struct xdax_file *xf)
{
	struct xdax_pin_rec *p, *n;

	list_for_each_entry_safe(p, n, &xf->pins, link) {
		list_del(&p->link);
		xdax_pin_release(xf->xd, p);
	}
}

/*
 * One pin as /proc/PID/fdinfo shows it: the device blocks its pages lie in,
 * as runs of consecutive block numbers (the numbers XDAX_IOC_QUERY and the
 * kernel log use), so a block held after a punch names its holder.
 * Context: xf->pin_lock held (the pin cannot go meanwhile); takes no lock.
 */
static void xdax_pin_show_one(struct seq_file *m, struct xdax_dev *xd,
			      const struct xdax_pin_rec *p)
{
	unsigned long lo = PHYS_PFN(xd->range.start), first = ULONG_MAX, last = 0, b, i;
	const char *sep = "";

	seq_printf(m, "xdax-pin:\tid=%llu addr=%#lx pages=%lu charged=%lu blocks=",
		   p->id, p->addr, p->nr, p->charged);
	for (i = 0; i <= p->nr; i++) {
		if (!(i & 4095))
			cond_resched();
		b = i < p->nr ? (page_to_pfn(p->pages[i]) - lo) >> xdax_block_order(xd) : ULONG_MAX;
		if (first != ULONG_MAX && (b == last || b == last + 1)) {
			last = b;
			continue;
		}
		if (first != ULONG_MAX) {
			if (first == last)
				seq_printf(m, "%s%lu", sep, first);
			else
				seq_printf(m, "%s%lu-%lu", sep, first, last);
			sep = ",";
		}
		first = b;
		last = b;
	}
	seq_putc(m, '\n');
}

/*
 * The pins this open file holds, for show_fdinfo: their number and pages,
 * then one line per pin.  Context: process context; takes xf->pin_lock.
 */
void xdax_pin_show(struct seq_file *m, struct xdax_file *xf)
{
	unsigned long count = 0, pages = 0;
	struct xdax_pin_rec *p;

	mutex_lock(&xf->pin_lock);
	list_for_each_entry(p, &xf->pins, link) {
		count++;
		pages += p->nr;
	}
	seq_printf(m, "xdax-pins:\t%lu\nxdax-pinned-pages:\t%lu\n", count, pages);
	list_for_each_entry(p, &xf->pins, link)
		xdax_pin_show_one(m, xf->xd, p);
	mutex_unlock(&xf->pin_lock);
}
