// SPDX-License-Identifier: GPL-2.0
/*
 * mmap and faults (docs/design.md, "Faults").  A fault takes the mapping's
 * invalidate_lock shared (truncate, punch and ALLOCATE's install step take it
 * exclusive), then the fault lock of its file block, and decides under it:
 *
 *  - a hole gets one zeroed block, however many threads fault it at once;
 *  - a PMD fault maps the block with a PMD only while the PMD slot holds no
 *    page table (else it falls back to PTEs: the kernel's PMD insert must not
 *    find a page table there);
 *  - a PTE fault that finds a huge PMD in place returns NOPAGE (the access
 *    is retried through the PMD) instead of asking for a page table under a
 *    huge mapping;
 *  - a block hit by a memory failure is never mapped: SIGBUS (BUS_MCEERR_AR);
 *  - no free block is SIGBUS, unless an ALLOCATE holds some: then it waits.
 *
 * Every page table entry for a block is installed inside xdax's ->fault or
 * ->huge_fault under that block's fault lock (the kernel allocates the PTE
 * page table there too), so these checks cannot be overtaken by another
 * fault of the same block.  Lock order: mmap_lock or the VMA lock, then the
 * invalidate_lock, then a fault lock, then the core lock.
 */
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>

#include "xdax.h"
#include "xdax_compat.h"
#include "xdax_trace.h"

/* Block-around on read faults (xdax_fault_around); off only to measure without it. */
static bool xdax_fault_around_on = true;
module_param_named(fault_around, xdax_fault_around_on, bool, 0644);
MODULE_PARM_DESC(fault_around, "a 4 KiB read fault maps the rest of its 2 MiB block (default on)");

static struct mutex *xdax_fault_mutex(struct xdax_dev *xd, unsigned long fblock)
{
	return &xd->fault_lock[hash_long(fblock, XDAX_FAULT_LOCK_BITS)];
}

/* Context: process context; the invalidate_lock held (shared or exclusive). */
void xdax_fault_lock(struct xdax_dev *xd, unsigned long fblock)
{
	mutex_lock(xdax_fault_mutex(xd, fblock));
}

void xdax_fault_unlock(struct xdax_dev *xd, unsigned long fblock)
{
	mutex_unlock(xdax_fault_mutex(xd, fblock));
}

void xdax_fault_init(struct xdax_dev *xd)
{
	unsigned int i;

	/* One lockdep class for all: a fault never holds two of them. */
	for (i = 0; i < ARRAY_SIZE(xd->fault_lock); i++)
		mutex_init(&xd->fault_lock[i]);
}

/*
 * Block-around: a read fault that mapped one page of @block with a PTE maps
 * the rest of the block's pages that lie inside the VMA too, so a 4 KiB
 * walk over an owned block takes one fault per block, not one per page.
 * Pages already mapped are left alone; the first failure (a page table
 * that cannot be allocated) ends it quietly: those pages just fault.  Write
 * faults never do this (only the written page becomes theirs).
 * Context: ->fault, with the invalidate_lock (shared) and the block's fault
 * lock held, as for the faulting page itself: truncate, punch and memory
 * failure zap under the same locks, so they see every PTE this installs.
 */
static void xdax_fault_around(struct vm_fault *vmf, struct folio *folio, pgoff_t pgoff)
{
	struct vm_area_struct *vma = vmf->vma;
	pgoff_t win = PMD_SIZE >> PAGE_SHIFT;
	pgoff_t first = pgoff & ~(win - 1), p;
	unsigned long addr;

	/* As the kernel's own fault-around (uffd_disable_fault_around()). */
	if (vma->vm_flags & (VM_UFFD_WP | VM_UFFD_MINOR))
		return;

	/*
	 * The 2 MiB-aligned file window around the fault: all of a 2 MiB block,
	 * never more than 512 PTEs of a larger one.  The block's ->index is its
	 * first file page (xdax_block_bind), so file page p is its page
	 * p - ->index.
	 */
	p = max_t(pgoff_t, first, vma->vm_pgoff);
	for (; p < first + win; p++) {
		if (p == pgoff)
			continue;
		addr = vma->vm_start + ((p - vma->vm_pgoff) << PAGE_SHIFT);
		if (addr >= vma->vm_end)
			break;
		/*
		 * Only under the faulting PMD, whose slot the fault checked holds
		 * a page table (a VMA not 2 MiB-congruent spreads a block over
		 * two slots; 6.1 inserts without a huge-PMD check).
		 */
		if ((addr ^ vmf->address) & PMD_MASK)
			continue;
		if (xdax_insert_pte_at(vma, addr, folio, p - folio->index) != VM_FAULT_NOPAGE)
			break;
	}
}

/*
 * Context: ->fault / ->huge_fault, mmap_lock or the VMA lock held (read).
 * Takes the invalidate_lock (shared) and the fault lock of the file block.
 */
static vm_fault_t xdax_fault_order(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct xdax_dev *xd = vma->vm_private_data;
	struct address_space *mapping = xdax_mapping(xd);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	unsigned long block, fblock, addr;
	struct folio *folio;
	vm_fault_t ret;
	pgoff_t pgoff;
	pmd_t pmd;
	int err;

	pgoff = vmf->pgoff;
	if (order) {
		/* Only whole, aligned blocks inside the VMA map with a PMD. */
		addr = vmf->address & PMD_MASK;
		if (order != xdax_block_order(xd) ||
		    addr < vma->vm_start || addr + PMD_SIZE > vma->vm_end)
			return VM_FAULT_FALLBACK;
		pgoff = linear_page_index(vma, addr);
		if (pgoff & (xdax_block_pages(xd) - 1))
			return VM_FAULT_FALLBACK;
	}
	fblock = pgoff >> xdax_block_order(xd);

	filemap_invalidate_lock_shared(mapping);
	if (pgoff >= READ_ONCE(xd->size) >> PAGE_SHIFT) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	xdax_fault_lock(xd, fblock);
	pmd = READ_ONCE(*vmf->pmd);
	if (order && !pmd_none(pmd) && !pmd_leaf(pmd)) {
		ret = VM_FAULT_FALLBACK;	/* a page table is there: map with PTEs */
		goto out_unlock;
	}
	if (!order && pmd_leaf(pmd)) {
		ret = VM_FAULT_NOPAGE;		/* a PMD maps it already: retry */
		goto out_unlock;
	}
	err = xdax_block_get(xd, fblock, &block);
	if (err == -ENOSPC && atomic_read(&xd->allocating)) {
		/*
		 * An ALLOCATE holds the free blocks it is zeroing, maybe one for
		 * this very hole: wait for it outside the locks it needs, then
		 * let the access fault again.
		 */
		xdax_fault_unlock(xd, fblock);
		filemap_invalidate_unlock_shared(mapping);
		wait_event_killable(xd->alloc_wq, !atomic_read(&xd->allocating));
		return VM_FAULT_NOPAGE;
	}
	if (err) {
		ret = err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
		goto out_unlock;
	}
	if (xdax_core_poisoned(&xd->core, block)) {
		/* The PTE path raises SIGBUS with the page's address. */
		ret = order ? VM_FAULT_FALLBACK : VM_FAULT_HWPOISON;
		goto out_unlock;
	}
	folio = xdax_block_folio(xd, block);
	if (order) {
		ret = xdax_insert_pmd(vmf, folio, write);
		if (ret == VM_FAULT_NOPAGE)
			atomic64_inc(&xd->pmd_faults);
	} else {
		ret = xdax_insert_pte(vmf, folio, pgoff & (xdax_block_pages(xd) - 1), write);
		if (ret == VM_FAULT_NOPAGE) {
			atomic64_inc(&xd->pte_faults);
			if (!write && READ_ONCE(xdax_fault_around_on))
				xdax_fault_around(vmf, folio, pgoff);
		}
	}
	if (ret == VM_FAULT_NOPAGE)
		trace_xdax_insert(xd, block, (u64)pgoff << PAGE_SHIFT,
				  order ? vmf->address & PMD_MASK : vmf->address & PAGE_MASK,
				  order, write);
out_unlock:
	xdax_fault_unlock(xd, fblock);
out:
	filemap_invalidate_unlock_shared(mapping);
	return ret;
}

static vm_fault_t xdax_fault(struct vm_fault *vmf)
{
	return xdax_fault_order(vmf, 0);
}

/* ->huge_fault, through xdax_huge_fault() in xdax_compat.h. */
vm_fault_t xdax_fault_huge(struct vm_fault *vmf, unsigned int order)
{
	struct xdax_dev *xd = vmf->vma->vm_private_data;

	return order == xdax_block_order(xd) ? xdax_fault_order(vmf, order) : VM_FAULT_FALLBACK;
}

/*
 * ->map_pages (fault-around).  It maps nothing: the kernel calls it under
 * rcu_read_lock() (7.x), where xdax could only trylock its locks and could
 * not allocate a page table, and xdax_fault_around() already maps the whole
 * block from ->fault.  Its presence is what matters: without ->map_pages,
 * vmf_can_call_fault() (6.4+) sends every PTE fault taken under the per-VMA
 * lock back to be retried under mmap_lock.  Returning 0 ("nothing mapped
 * around, call ->fault") is the contract on every supported kernel (6.1's
 * do_read_fault() reads it the same way).
 * Context: the VMA lock or mmap_lock held (read), maybe an RCU read section.
 */
static vm_fault_t xdax_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				 pgoff_t end_pgoff)
{
	return 0;
}

/*
 * No page_mkwrite or pfn_mkwrite: either would make the VMA need dirty
 * tracking, and the kernel then refuses long-term writable pins.
 */
static const struct vm_operations_struct xdax_vm_ops = {
	.fault = xdax_fault,
	.huge_fault = xdax_huge_fault,
	.map_pages = xdax_map_pages,
};

/* The device behind @vma if it is a mapping of an xdax device, else NULL. */
struct xdax_dev *xdax_vma_dev(struct vm_area_struct *vma)
{
	return vma->vm_ops == &xdax_vm_ops ? vma->vm_private_data : NULL;
}

/* Context: ->mmap, mmap_lock held for writing. */
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
	vma->vm_private_data = xf->xd;
	xdax_vm_flags_set(vma, VM_HUGEPAGE);
	return 0;
}

unsigned long xdax_get_unmapped_area(struct file *file, unsigned long addr,
				     unsigned long len, unsigned long pgoff,
				     unsigned long flags)
{
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}
