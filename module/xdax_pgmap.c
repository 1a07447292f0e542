// SPDX-License-Identifier: GPL-2.0
/*
 * The range and its dev_pagemap (docs/design.md, "Registration and unload",
 * "Memory failure"): the checks a range must pass, the MEMORY_DEVICE_GENERIC
 * registration with 2 MiB compound blocks, the freeze of every block to 0
 * at load and the thaw back to 1 at unload, and the pgmap callbacks: the
 * kernel's free callback (never reached under the protocol: an anomaly) and
 * memory_failure.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/memregion.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/numa.h>
#include <linux/page-flags.h>
#include <linux/pagemap.h>
#include <linux/platform_device.h>
#include <linux/rcupdate.h>

#include "xdax.h"
#include "xdax_compat.h"
#include "xdax_trace.h"

static struct xdax_dev *xdax_pgmap_dev(struct dev_pagemap *pgmap)
{
	return container_of(pgmap, struct xdax_dev, pgmap);
}

/*
 * The kernel's GENERIC free path.  Under xdax's protocol no block's refcount
 * ever reaches 0 through a put, so a call here is a bug (or a kernel that
 * changed its semantics): count it, say it, never WARN (tests run with
 * panic_on_warn and must report the anomaly, not die of it).  Called
 * through XDAX_PGMAP_FREE_OP (xdax_compat.h).
 */
void xdax_pgmap_free(struct page *page)
{
	struct xdax_dev *xd = xdax_pgmap_dev(xdax_page_pgmap(page));

	atomic64_inc(&xd->pgmap_free_calls);
	trace_xdax_anomaly(xd, (page_to_pfn(page) - PHYS_PFN(xd->range.start)) >>
			   xdax_block_order(xd), "kernel page_free");
	pr_err_ratelimited("%s: anomaly: kernel freed pfn %#lx behind xdax's back\n",
			   dev_name(&xd->dev), page_to_pfn(page));
}

/*
 * A memory failure hit @block: it is never handed out again; if it is in
 * the file, every mapping of it goes, and faults on it raise SIGBUS
 * (xdax_fault.c) until the range is punched or truncated.  Returns 1 if the
 * block was not poisoned before, else 0.
 * Context: process context (memory_failure(), mf_mutex held); takes the
 * invalidate_lock (shared), the block's fault lock and the core lock.
 */
static unsigned long xdax_poison_block(struct xdax_dev *xd, unsigned long b)
{
	struct address_space *mapping = xdax_mapping(xd);
	enum xdax_core_state st;
	unsigned long fblock;
	bool was;

	filemap_invalidate_lock_shared(mapping);
	was = xdax_core_poisoned(&xd->core, b);
	st = xdax_core_poison(&xd->core, b, &fblock);
	trace_xdax_poison(xd, b, st, !was);
	if (st == XDAX_CORE_IN_USE) {
		/* A fault past its poison check holds this lock: wait it out. */
		xdax_fault_lock(xd, fblock);
		trace_xdax_zap(xd, (u64)fblock << xdax_block_shift(xd), xdax_block_size(xd));
		unmap_mapping_pages(mapping, (pgoff_t)fblock << xdax_block_order(xd),
				    xdax_block_pages(xd), false);
		xdax_fault_unlock(xd, fblock);
	}
	filemap_invalidate_unlock_shared(mapping);
	if (!was)
		pr_err("%s: memory failure in block %lu (%s): out of service for good\n",
		       dev_name(&xd->dev), b,
		       st == XDAX_CORE_IN_USE ? "in the file: mappers get SIGBUS" :
		       st == XDAX_CORE_FREE ? "free" :
		       st == XDAX_CORE_RESERVED ? "being allocated" : "awaiting reclaim");
	return !was;
}

/*
 * dev_pagemap_ops.memory_failure: xdax handles every failure in its range
 * itself, so the kernel's generic path, which would read ->mapping and
 * ->index of a block that may since belong to another file offset, never
 * runs for it.  The poisoned pages get PG_hwpoison as the generic path
 * would give them.  Returns 0: the task that consumed the poison (if any)
 * refaults and gets SIGBUS from xdax's fault path; but when it cannot be
 * restarted (MF_MUST_KILL), an error, so that the kernel kills it.
 */
static int __maybe_unused xdax_memory_failure(struct dev_pagemap *pgmap, unsigned long pfn,
					      unsigned long nr_pages, int mf_flags)
{
	struct xdax_dev *xd = xdax_pgmap_dev(pgmap);
	unsigned long lo = PHYS_PFN(xd->range.start), hi = lo + (xd->range.size >> PAGE_SHIFT);
	unsigned long p, b, last = XDAX_CORE_NONE, n = 0;

	atomic64_inc(&xd->memory_failures);
	for (p = max(pfn, lo); p < pfn + nr_pages && p < hi; p++) {
		SetPageHWPoison(pfn_to_page(p));
		b = (p - lo) >> xdax_block_order(xd);
		if (b != last)
			n += xdax_poison_block(xd, b);
		last = b;
	}
	xdax_event_poisoned(xd, n);
	return mf_flags & MF_MUST_KILL ? -EIO : 0;
}

static const struct dev_pagemap_ops xdax_pgmap_ops = {
	XDAX_PGMAP_FREE_OP,
	XDAX_PGMAP_MEMORY_FAILURE_OP(xdax_memory_failure)
};

static int xdax_reserved_cb(struct resource *res, void *arg)
{
	u64 *covered = arg;	/* [0] = next uncovered address, [1] = end */

	if (res->start <= covered[0] && res->end + 1 > covered[0])
		covered[0] = min_t(u64, res->end + 1, covered[1]);
	return 0;
}

/*
 * Advance covered[0] over [covered[0], covered[1]) through the resources
 * that mark memory handed to no one: "Reserved" (memmap=SIZE$START) and
 * "Soft Reserved" (EFI specific-purpose memory, CXL, memmap=SIZE%START-1+
 * 0xefffffff).  Up to 6.x soft-reserved memory is in iomem; from 7.2 it
 * waits in soft_reserve_resource, out of iomem, until a driver takes it.
 * The walks go by address, one kind at a time: repeat until no progress.
 */
static void xdax_cover(u64 *covered)
{
	u64 before;

	do {
		before = covered[0];
		walk_iomem_res_desc(IORES_DESC_RESERVED, IORESOURCE_MEM, covered[0],
				    covered[1] - 1, covered, xdax_reserved_cb);
		if (covered[0] == covered[1])
			break;
		walk_iomem_res_desc(IORES_DESC_SOFT_RESERVED, IORESOURCE_MEM, covered[0],
				    covered[1] - 1, covered, xdax_reserved_cb);
#ifdef XDAX_HAVE_WALK_SOFT_RESERVE_RES
		if (covered[0] != covered[1])
			walk_soft_reserve_res(covered[0], covered[1] - 1, covered,
					      xdax_reserved_cb);
#endif
	} while (covered[0] != before && covered[0] != covered[1]);
}

/*
 * A dax_hmem platform device ("hmem.N") bound to its driver over part of
 * @data.  Its range: struct memregion_info's from 6.3, its one memory
 * resource before.
 */
static int xdax_hmem_match(struct device *dev, const void *data)
{
	const struct xdax_range *r = data;
	struct platform_device *pdev = to_platform_device(dev);
	u64 start, end;

	if (strcmp(pdev->name, "hmem") || !READ_ONCE(dev->driver))
		return 0;
#ifdef XDAX_HAVE_MEMREGION_INFO_RANGE
	{
		const struct memregion_info *mri = dev_get_platdata(dev);

		if (!mri)
			return 0;
		start = mri->range.start;
		end = mri->range.end;
	}
#else
	{
		struct resource *res = platform_get_resource(pdev, IORESOURCE_MEM, 0);

		if (!res)
			return 0;
		start = res->start;
		end = res->end;
	}
#endif
	return start < r->start + r->size && end >= r->start;
}

/*
 * -EBUSY, with one line naming the holder and how to let go, if dax_hmem
 * took part of the range: it does so without a claim in iomem until a dax
 * driver binds its device.  Context: module init; takes the platform bus's
 * klist lock.
 */
static int xdax_check_hmem(unsigned int id, const struct xdax_range *r)
{
	struct device *dev = bus_find_device(&platform_bus_type, NULL, r, xdax_hmem_match);

	if (!dev)
		return 0;
	pr_err("range %u [%#llx-%#llx] is soft-reserved memory held by dax_hmem (%s); release it with `daxctl offline-memory` (if onlined) and `daxctl disable-device` on its dax devices, then `echo %s > /sys/bus/platform/drivers/hmem/unbind` (or boot with dax_hmem.disable=1)\n",
	       id, r->start, r->start + r->size - 1, dev_name(dev), dev_name(dev));
	put_device(dev);
	return -EBUSY;
}

/*
 * Only memory the firmware (or memmap=SIZE$START) marked reserved, or marked
 * soft-reserved and left to no driver, may be taken: never System RAM, never
 * a hole in iomem, never another driver's region.  Whether the firmware's
 * own map says RAM there cannot be asked from a module on every kernel
 * (e820__mapped_raw_any() is exported to kvm alone on 7.x):
 * scripts/xdax-check-range checks it before modprobe loads.
 */
int xdax_check_range(unsigned int id, const struct xdax_range *r)
{
	u64 end = r->start + r->size;
	u64 covered[2] = { r->start, end };
	int err;

	err = xdax_check_hmem(id, r);
	if (err)
		return err;
	if (region_intersects(r->start, r->size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("range %u [%#llx-%#llx] overlaps System RAM\n",
		       id, r->start, end - 1);
		return -EINVAL;
	}
	xdax_cover(covered);
	if (covered[0] != end) {
		pr_err("range %u [%#llx-%#llx] is not reserved memory (from %#llx); reserve it with memmap=SIZE$START\n",
		       id, r->start, end - 1, covered[0]);
		return -ENXIO;
	}
	return 0;
}

/*
 * Take every block from the kernel's initial state (refcount 1, see
 * __init_zone_device_page) to xdax's free state (frozen at 0), pointing at
 * the device's mapping for good.  Refuse the range if the kernel behaves
 * otherwise, with what was found.
 */
static int xdax_freeze_all(struct xdax_dev *xd)
{
	unsigned long b, nr = xdax_nr_blocks(xd);
	struct folio *folio = xdax_block_folio(xd, 0);
	int count = folio_ref_count(folio);

	if (count != 1 || folio_order(folio) != xdax_block_order(xd)) {
		pr_err("%s: kernel initialised pfn %#lx with refcount %d, order %u; xdax needs refcount 1, order %u\n",
		       dev_name(&xd->dev), folio_pfn(folio), count,
		       folio_order(folio), xdax_block_order(xd));
		return -EOPNOTSUPP;
	}
	for (b = 0; b < nr; b++) {
		folio = xdax_block_folio(xd, b);
		if (!folio_ref_freeze(folio, 1)) {
			pr_err("%s: block %lu (pfn %#lx) has refcount %d at registration, expected 1\n",
			       dev_name(&xd->dev), b, folio_pfn(folio),
			       folio_ref_count(folio));
			while (b--)
				folio_ref_unfreeze(xdax_block_folio(xd, b), 1);
			return -EOPNOTSUPP;
		}
		folio->mapping = xdax_mapping(xd);
	}
	return 0;
}

/*
 * Give every block back to the kernel in the state it handed them out (1,
 * no mapping), so that memunmap_pages() sees what it expects.  If any block
 * is not frozen, nothing is touched and the number of such blocks is
 * returned.
 */
static unsigned long xdax_unfreeze_all(struct xdax_dev *xd)
{
	unsigned long b, nr = xdax_nr_blocks(xd), busy = 0;
	struct folio *folio;

	for (b = 0; b < nr; b++)
		busy += folio_ref_count(xdax_block_folio(xd, b)) != 0;
	if (busy)
		return busy;
	for (b = 0; b < nr; b++) {
		folio = xdax_block_folio(xd, b);
		folio->mapping = NULL;
		folio->index = 0;
		folio_ref_unfreeze(folio, 1);
	}
	return 0;
}

/*
 * The range's NUMA nodes, as device-dax gives them: target_node is the node
 * the firmware (SRAT) puts the memory itself in, NUMA_NO_NODE if it says
 * nothing; the device's node, where its struct pages are allocated and
 * whose ZONE_DEVICE they join, is the online node whose memory holds the
 * address (the first node if none does).  memmap= takes DRAM out of a node
 * that stays online, so both are that node.  Both functions are exported
 * (GPL) on every supported kernel that has CONFIG_NUMA, and are inline
 * stubs answering 0 without it (the device's node is then NUMA_NO_NODE).
 * Context: module init, before the device is added; takes no lock.
 */
static int xdax_pgmap_node(struct xdax_dev *xd)
{
	int nid = memory_add_physaddr_to_nid(xd->range.start);

	xd->target_node = phys_to_target_node(xd->range.start);
	/*
	 * x86 trims a node's span to the end of RAM, so a range above every
	 * byte of RAM resolves to the first node above; the firmware's node
	 * is the right one whenever it is online (as legacy pmem does it).
	 */
	if (xd->target_node != NUMA_NO_NODE && node_online(xd->target_node))
		nid = xd->target_node;
	set_dev_node(&xd->dev, nid);
	return dev_to_node(&xd->dev);
}

/*
 * Claim the range and register its pgmap on the range's node; every block
 * ends frozen at 0.  Context: module init.
 */
int xdax_pgmap_setup(struct xdax_dev *xd)
{
	const struct xdax_range *r = &xd->range;
	u64 t0, t1;
	void *addr;
	int err;

	xd->res = request_mem_region(r->start, r->size, dev_name(&xd->dev));
	if (!xd->res) {
		pr_err("range %u [%#llx-%#llx] is already claimed by another driver (its name is in /proc/iomem; device-dax's daxX.Y: `daxctl disable-device daxX.Y`, after `daxctl offline-memory` if kmem onlined it)\n",
		       xd->id, r->start, r->start + r->size - 1);
		return -EBUSY;
	}
	xd->pgmap.type = MEMORY_DEVICE_GENERIC;
	xd->pgmap.range.start = r->start;
	xd->pgmap.range.end = r->start + r->size - 1;
	xd->pgmap.nr_range = 1;
	xd->pgmap.vmemmap_shift = xdax_block_order(xd);
	xd->pgmap.ops = &xdax_pgmap_ops;
	t0 = ktime_get_ns();
	addr = memremap_pages(&xd->pgmap, xdax_pgmap_node(xd));
	if (IS_ERR(addr)) {
		err = PTR_ERR(addr);
		pr_err("%s: memremap_pages failed: %d\n", dev_name(&xd->dev), err);
		goto err_region;
	}
	t1 = ktime_get_ns();
	err = xdax_freeze_all(xd);
	if (err)
		goto err_unmap;
	xd->memremap_ns = t1 - t0;
	xd->freeze_ns = ktime_get_ns() - t1;
	xd->pgmap_live = true;
	return 0;

err_unmap:
	memunmap_pages(&xd->pgmap);
err_region:
	release_mem_region(r->start, r->size);
	return err;
}

/* How long unload waits for a transient reference before it leaks the range. */
#define XDAX_TEARDOWN_TRIES	20
#define XDAX_TEARDOWN_WAIT_MS	50

/*
 * A range that cannot be handed back stays registered, its struct pages
 * pointing at xd->pgmap: first wait out every kernel path inside a pgmap
 * callback (they hold a pgmap reference, which is what memunmap_pages()
 * waits for too), so that clearing ops cannot race one still calling into
 * the module.  Later lookups of the pgmap fail; nothing calls xdax again.
 */
static void xdax_pgmap_orphan(struct xdax_dev *xd)
{
	percpu_ref_kill(&xd->pgmap.ref);
	/* The per-page references memremap_pages() took for a GENERIC pgmap. */
	percpu_ref_put_many(&xd->pgmap.ref, xd->range.size >> PAGE_SHIFT);
	wait_for_completion(&xd->pgmap.done);
	WRITE_ONCE(xd->pgmap.ops, NULL);
}

/*
 * Take back every block at unload and unregister.  rmmod only gets here
 * when no file is open and the module hold is off: nothing awaits reclaim
 * and no closed block had a foreign reference at the last look.  After a
 * grace period for the last munmap's gup-fast walkers, every block is taken
 * out of the file and frozen; a transient reference gets a second.  A block
 * that still cannot be frozen leaves the whole range registered and leaked
 * rather than freed under its user, with nothing pointing into the module
 * (docs/design.md, "Module lifetime"); returns false, and the caller leaks
 * the device and its mount too.
 * Context: module exit or init failure; no file open.
 */
bool xdax_pgmap_teardown(struct xdax_dev *xd)
{
	unsigned long busy;
	int i;

	if (!xd->pgmap_live)
		return true;
	synchronize_rcu();
	for (i = 0; i < XDAX_TEARDOWN_TRIES; i++) {
		if (!xdax_core_drain(&xd->core, xdax_block_try_free, xd))
			break;
		msleep(XDAX_TEARDOWN_WAIT_MS);
	}
	busy = xdax_unfreeze_all(xd);
	if (busy) {
		pr_err("%s: %lu blocks still referenced at unload; leaving the range registered\n",
		       dev_name(&xd->dev), busy);
		xdax_pgmap_orphan(xd);
		return false;
	}
	memunmap_pages(&xd->pgmap);
	release_mem_region(xd->range.start, xd->range.size);
	xd->pgmap_live = false;
	return true;
}
