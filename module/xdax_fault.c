// SPDX-License-Identifier: GPL-2.0
/*
 * mmap and faults (docs/design.md, "Faults").  A fault takes the mapping's
 * invalidate_lock shared (truncate, punch and ALLOCATE's install step take it
 * exclusive), then the fault lock of its file block, and decides under it:
 *
 *  - a hole gets one zeroed block, however many threads fault it at once;
 *  - a PMD (PUD) fault maps with a PMD (PUD) only while the slot holds no
 *    page table (else it falls back to smaller entries); a write fault falls
 *    back where the entry would be read-only (write-notify: soft-dirty or
 *    uffd-wp tracking) or finds our own read-only leaf (the kernel splits it);
 *  - a PTE fault that finds a huge PMD in place returns NOPAGE (the access
 *    is retried through the PMD) instead of asking for a page table under a
 *    huge mapping (a PUD in place is the kernel's: pud_trans_unstable());
 *  - a 1 GiB block maps with a PUD where the VMA covers it and the kernel
 *    can (XDAX_CAN_PUD), else with PMDs where the kernel can map 2 MiB of a
 *    PUD-order folio with one (XDAX_CAN_PMD_IN_PUD), else with PTEs;
 *  - a block hit by a memory failure is never mapped: SIGBUS (BUS_MCEERR_AR);
 *  - a PTE fault through a userfaultfd write-protect marker is SIGBUS;
 *  - no free block is SIGBUS, unless an ALLOCATE holds some (then it waits)
 *    or a block awaiting reclaim went idle (then it frees it and retries).
 *
 * Every entry that maps a block is installed inside xdax's ->fault or
 * ->huge_fault under that block's fault lock, so these checks cannot be
 * overtaken by another fault of the same block.  But the kernel fills empty
 * slots outside any xdax lock (a PMD table in an empty PUD slot; a guard
 * region's or a uffd-wp range's PTE table and marker), so no entry is
 * inserted with the write flag (xdax_fault_insert).
 * Lock order: mmap_lock or the VMA lock, then the invalidate_lock, then a
 * fault lock, then the core lock.
 */
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/mman.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/percpu.h>
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
	return &xd->fault_lock[hash_long(fblock, XDAX_FAULT_LOCK_BITS)].m;
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
		mutex_init(&xd->fault_lock[i].m);
}

/* The address at which @vma maps file page @pgoff (which it covers). */
static unsigned long xdax_vma_addr(struct vm_area_struct *vma, pgoff_t pgoff)
{
	return vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
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
 * In a VMA whose addresses are not 2 MiB-congruent to its file offsets a
 * block spans two PMD slots; neither can hold a huge PMD: a PMD maps only
 * where the VMA covers the slot with a block-aligned offset, which such a
 * VMA never does, and no other VMA shares a slot this one partly covers.
 */
static void xdax_fault_around(struct vm_fault *vmf, struct folio *folio, pgoff_t pgoff)
{
	struct vm_area_struct *vma = vmf->vma;
	pgoff_t win = PMD_SIZE >> PAGE_SHIFT;
	pgoff_t first = pgoff & ~(win - 1), lo, hi;

	/* As the kernel's own fault-around (uffd_disable_fault_around()). */
	if (vma->vm_flags & (VM_UFFD_WP | VM_UFFD_MINOR))
		return;

	/*
	 * The 2 MiB-aligned file window around the fault: all of a 2 MiB block,
	 * never more than 512 PTEs of a larger one.  The block's ->index is its
	 * first file page (xdax_block_bind), so file page p is its page
	 * p - ->index.
	 */
	lo = max_t(pgoff_t, first, vma->vm_pgoff);
	hi = min_t(pgoff_t, first + win, vma->vm_pgoff + vma_pages(vma));
	if (lo < pgoff && !xdax_insert_ptes(vma, xdax_vma_addr(vma, lo), folio,
					    lo - folio->index, pgoff - lo))
		return;
	if (pgoff + 1 < hi)
		xdax_insert_ptes(vma, xdax_vma_addr(vma, pgoff + 1), folio,
				 pgoff + 1 - folio->index, hi - pgoff - 1);
}

/*
 * Whether the page table slot a fault of @order would fill can take the
 * entry: 0 if it is empty; VM_FAULT_FALLBACK if it holds a lower level's
 * table (map with smaller entries) or, for a write, our own read-only leaf
 * (a write-protect fault under write-notify: the kernel then splits the leaf
 * and the write maps its page with smaller entries, see xdax_fault_insert);
 * VM_FAULT_NOPAGE if a leaf already maps the address as the access needs
 * (the access is retried through it).
 * Context: the block's fault lock held.
 */
static vm_fault_t xdax_fault_slot(struct vm_fault *vmf, unsigned int order)
{
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	bool none, leaf, writable;
	pmd_t pmd;
	pud_t pud;

	if (order == PUD_SHIFT - PAGE_SHIFT) {
		pud = READ_ONCE(*vmf->pud);
		none = pud_none(pud);
		leaf = pud_leaf(pud);
		writable = leaf && pud_write(pud);
	} else {
		pmd = READ_ONCE(*vmf->pmd);
		if (!order)
			return pmd_leaf(pmd) ? VM_FAULT_NOPAGE : 0;
		none = pmd_none(pmd);
		leaf = pmd_leaf(pmd);
		writable = leaf && pmd_write(pmd);
	}
	if (none)
		return 0;
	return !leaf || (write && !writable) ? VM_FAULT_FALLBACK : VM_FAULT_NOPAGE;
}

/*
 * Map @folio's page @idx at vmf->address with an entry of @order, never with
 * the write flag.  The kernel fills empty page table slots outside any xdax
 * lock: a PMD table into an empty PUD slot (a fault that found PUDs
 * disallowed: PR_SET_THP_DISABLE set meanwhile), a PTE table and a marker
 * into an empty PMD slot or PTE (MADV_GUARD_INSTALL, 6.15+; a userfaultfd
 * write-protect marker).  So one may appear after xdax_fault_slot(), above
 * all while a fresh block is zeroed.  An insert with the write flag that
 * meets it WARNs ("the PFN differs"); one without returns, and the retried
 * access goes through what is there (the table; the marker's SIGSEGV).  The
 * entry gets vm_page_prot: writable in a shared writable mapping, where the
 * CPU marks it dirty; under write-notify (soft-dirty tracking) read-only, and
 * the write comes back as a write-protect fault: on a PTE the kernel makes
 * it writable itself (wp_page_shared(), wp_pfn_shared() for 6.x devmap
 * PTEs), on our own huge leaf xdax_fault_slot() falls back and the kernel
 * splits it.
 * Counts what is mapped at the slot afterwards (a PTE: the insert's word).
 */
static vm_fault_t xdax_fault_insert(struct xdax_dev *xd, struct vm_fault *vmf,
				    unsigned int order, struct folio *folio,
				    unsigned long idx, bool write)
{
	vm_fault_t ret;

	if (!order) {
		ret = xdax_insert_pte(vmf, folio, idx);
		if (ret == VM_FAULT_NOPAGE) {
			this_cpu_inc(xd->fault_stats->pte);
			if (!write && READ_ONCE(xdax_fault_around_on))
				xdax_fault_around(vmf, folio, vmf->pgoff);
		}
	} else if (order == PUD_SHIFT - PAGE_SHIFT) {
		ret = xdax_insert_pud(vmf, folio);
		if (ret == VM_FAULT_NOPAGE && pud_leaf(READ_ONCE(*vmf->pud)))
			this_cpu_inc(xd->fault_stats->pud);
	} else {
		ret = order == xdax_block_order(xd) ? xdax_insert_pmd(vmf, folio) :
		      xdax_insert_pmd_in_pud(vmf, folio, idx);
		if (ret == VM_FAULT_NOPAGE && pmd_leaf(READ_ONCE(*vmf->pmd)))
			this_cpu_inc(xd->fault_stats->pmd);
	}
	return ret;
}

/*
 * A fault of @order: 0 (PTE), PMD order or PUD order.  A huge entry maps an
 * aligned stretch of (at most) one block, and only where the VMA covers it.
 * Context: ->fault / ->huge_fault, mmap_lock or the VMA lock held (read).
 * Takes the invalidate_lock (shared) and the fault lock of the file block;
 * with no block free, after both are dropped, the core lock to free idle
 * blocks awaiting reclaim (xdax_reclaim_for_alloc).
 */
static vm_fault_t xdax_fault_order(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct xdax_dev *xd = vma->vm_private_data;
	struct address_space *mapping = xdax_mapping(xd);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	unsigned long block, fblock, addr, size = PAGE_SIZE << order;
	struct folio *folio;
	vm_fault_t ret;
	pgoff_t pgoff;
	int err;

	pgoff = vmf->pgoff;
	addr = vmf->address & PAGE_MASK;
	if (order) {
		/*
		 * Only aligned stretches inside the VMA map with a huge entry,
		 * and a write only where the entry would be writable: under
		 * write-notify (soft-dirty, uffd-wp) a read-only huge entry would
		 * be split by the write-protect fault that follows at once.
		 */
		addr = vmf->address & ~(size - 1);
		if (order > xdax_block_order(xd) ||
		    addr < vma->vm_start || addr + size > vma->vm_end ||
		    (write && !pte_write(pfn_pte(0, vma->vm_page_prot))))
			return VM_FAULT_FALLBACK;
		pgoff = linear_page_index(vma, addr);
		if (pgoff & ((1UL << order) - 1))
			return VM_FAULT_FALLBACK;
	}
	fblock = pgoff >> xdax_block_order(xd);

	filemap_invalidate_lock_shared(mapping);
	if (pgoff >= READ_ONCE(xd->size) >> PAGE_SHIFT) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	xdax_fault_lock(xd, fblock);
	ret = xdax_fault_slot(vmf, order);
	if (ret)
		goto out_unlock;
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
	if (err == -ENOSPC) {
		/*
		 * A block awaiting reclaim may have gone idle (its last foreign
		 * reference dropped) before the reaper's next poll: free what is
		 * idle outside the locks (as a poll() would), then let the access
		 * fault again; so too if another thread freed a block since the
		 * reservation failed.  Each retry needs a block freed, or one
		 * free; otherwise the range is full: SIGBUS.
		 */
		xdax_fault_unlock(xd, fblock);
		filemap_invalidate_unlock_shared(mapping);
		if (xdax_reclaim_for_alloc(xd) || READ_ONCE(xd->core.nr_free))
			return VM_FAULT_NOPAGE;
		return VM_FAULT_SIGBUS;
	}
	if (err == -EINTR) {
		ret = VM_FAULT_NOPAGE;	/* killed while zeroing: nothing mapped */
		goto out_unlock;
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
	ret = xdax_fault_insert(xd, vmf, order, folio, pgoff & (xdax_block_pages(xd) - 1),
				write);
	if (ret == VM_FAULT_NOPAGE)
		trace_xdax_insert(xd, block, (u64)pgoff << PAGE_SHIFT, addr, order, write);
out_unlock:
	xdax_fault_unlock(xd, fblock);
out:
	filemap_invalidate_unlock_shared(mapping);
	return ret;
}

/*
 * A PTE fault.  One that comes through a userfaultfd write-protect marker in
 * the PTE (asynchronous uffd-wp registers any VMA; the kernel then marks the
 * empty PTEs of a write-protected range and sends their faults here) cannot
 * be served: the kernel's inserts map only into an empty PTE, and without the
 * write flag (xdax_fault_insert) one that finds the marker returns as if
 * mapped, so the access would fault again forever.  SIGBUS instead.
 * vmf->orig_pte is the kernel's lockless read: an UFFDIO_WRITEPROTECT that
 * clears the marker meanwhile makes this SIGBUS spurious (no exported way
 * to recheck under the PTE lock).
 */
static vm_fault_t xdax_fault(struct vm_fault *vmf)
{
	if ((vmf->flags & FAULT_FLAG_ORIG_PTE_VALID) && !pte_none(vmf->orig_pte))
		return VM_FAULT_SIGBUS;
	return xdax_fault_order(vmf, 0);
}

/*
 * ->huge_fault, through xdax_huge_fault() in xdax_compat.h: a PMD for a
 * 2 MiB block (or, where the kernel can, 2 MiB of a 1 GiB block), a PUD for
 * a 1 GiB block where the kernel can map one.
 */
vm_fault_t xdax_fault_huge(struct vm_fault *vmf, unsigned int order)
{
	struct xdax_dev *xd = vmf->vma->vm_private_data;
	unsigned int border = xdax_block_order(xd);

	if (order == PMD_SHIFT - PAGE_SHIFT &&
	    (border == order || (border == PUD_SHIFT - PAGE_SHIFT && XDAX_CAN_PMD_IN_PUD)))
		return xdax_fault_order(vmf, order);
	if (order == PUD_SHIFT - PAGE_SHIFT && border == order && XDAX_CAN_PUD)
		return xdax_fault_order(vmf, order);
	return VM_FAULT_FALLBACK;
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

/*
 * Addresses that PMDs can map: thp_get_unmapped_area().  For a device of
 * 1 GiB blocks, a mapping of at least 1 GiB with no address asked for gets
 * one congruent to its file offset modulo 1 GiB, so PUDs can map it (found
 * by asking for 1 GiB more, as device-dax does).
 */
unsigned long xdax_get_unmapped_area(struct file *file, unsigned long addr,
				     unsigned long len, unsigned long pgoff,
				     unsigned long flags)
{
	struct xdax_file *xf = file->private_data;
	unsigned long a, off = pgoff << PAGE_SHIFT;

	if (xdax_block_shift(xf->xd) == XDAX_BLOCK_SHIFT_1G && !addr &&
	    !(flags & MAP_FIXED) && len >= PUD_SIZE && len + PUD_SIZE > len) {
		a = thp_get_unmapped_area(file, 0, len + PUD_SIZE, pgoff, flags);
		if (!IS_ERR_VALUE(a))
			return a + ((off - a) & (PUD_SIZE - 1));
	}
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}
