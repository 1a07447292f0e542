// SPDX-License-Identifier: GPL-2.0
/*
 * One xdax device: a reserved physical range, its MEMORY_DEVICE_GENERIC
 * dev_pagemap, and the character device /dev/xdaxN with its sysfs attributes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/poll.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/page_ref.h>
#include <linux/pagemap.h>
#include <linux/pfn.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/linux/xdax.h>

#include "xdax.h"
#include "xdax_compat.h"

static struct xdax_dev *to_xdax_dev(struct device *dev)
{
	return container_of(dev, struct xdax_dev, dev);
}

/*
 * The kernel's GENERIC free path.  Under xdax's protocol no block's refcount
 * ever reaches 0 through a put, so a call here is a bug (or a kernel that
 * changed its semantics): count it, say it once, never WARN (tests run with
 * panic_on_warn and must report the anomaly, not die of it).
 */
#if defined(XDAX_HAVE_PGMAP_FOLIO_FREE)
static void xdax_pgmap_folio_free(struct folio *folio)
{
	struct xdax_dev *xd = container_of(xdax_page_pgmap(&folio->page),
					   struct xdax_dev, pgmap);

	atomic64_inc(&xd->pgmap_free_calls);
	pr_err_ratelimited("%s: anomaly: kernel freed pfn %#lx behind xdax's back\n",
			   dev_name(&xd->dev), folio_pfn(folio));
}
#elif defined(XDAX_HAVE_PGMAP_PAGE_FREE)
static void xdax_pgmap_page_free(struct page *page)
{
	struct xdax_dev *xd = container_of(xdax_page_pgmap(page), struct xdax_dev, pgmap);

	atomic64_inc(&xd->pgmap_free_calls);
	pr_err_ratelimited("%s: anomaly: kernel freed pfn %#lx behind xdax's back\n",
			   dev_name(&xd->dev), page_to_pfn(page));
}
#endif

static const struct dev_pagemap_ops xdax_pgmap_ops = {
#if defined(XDAX_HAVE_PGMAP_FOLIO_FREE)
	.folio_free = xdax_pgmap_folio_free,
#elif defined(XDAX_HAVE_PGMAP_PAGE_FREE)
	.page_free = xdax_pgmap_page_free,
#endif
};

/*
 * Take every block from the kernel's initial state (refcount 1, see
 * __init_zone_device_page) to xdax's free state (frozen at 0).  Refuse the
 * range if the kernel behaves otherwise, with what was found.
 */
static int xdax_freeze_all(struct xdax_dev *xd)
{
	unsigned long b, nr = xdax_nr_blocks(xd);
	struct folio *folio = xdax_block_folio(xd, 0);
	int count = folio_ref_count(folio);

	if (count != 1 || folio_order(folio) != XDAX_BLOCK_ORDER) {
		pr_err("%s: kernel initialised pfn %#lx with refcount %d, order %u; xdax needs refcount 1, order %u\n",
		       dev_name(&xd->dev), folio_pfn(folio), count,
		       folio_order(folio), XDAX_BLOCK_ORDER);
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
	}
	return 0;
}

/*
 * Give every block back to the kernel in the state it handed them out (1), so
 * that memunmap_pages() sees what it expects.  If any block is not free,
 * nothing is touched and the number of such blocks is returned: the caller
 * must then leave the range mapped, with every free block still frozen.
 */
static unsigned long xdax_unfreeze_all(struct xdax_dev *xd)
{
	unsigned long b, nr = xdax_nr_blocks(xd), busy = 0;

	for (b = 0; b < nr; b++)
		busy += folio_ref_count(xdax_block_folio(xd, b)) != 0;
	if (busy)
		return busy;
	for (b = 0; b < nr; b++)
		folio_ref_unfreeze(xdax_block_folio(xd, b), 1);
	return 0;
}

static int xdax_reserved_cb(struct resource *res, void *arg)
{
	u64 *covered = arg;	/* [0] = next uncovered address, [1] = end */

	if (res->start <= covered[0] && res->end + 1 > covered[0])
		covered[0] = min_t(u64, res->end + 1, covered[1]);
	return 0;
}

/*
 * Only memory the firmware (or memmap=SIZE$START) marked reserved may be
 * taken: never System RAM, never a hole, never another driver's region.
 */
int xdax_check_range(unsigned int id, const struct xdax_range *r)
{
	u64 end = r->start + r->size;
	u64 covered[2] = { r->start, end };

	if (region_intersects(r->start, r->size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("range %u [%#llx-%#llx] overlaps System RAM\n",
		       id, r->start, end - 1);
		return -EINVAL;
	}
	walk_iomem_res_desc(IORES_DESC_RESERVED, IORESOURCE_MEM, r->start,
			    end - 1, covered, xdax_reserved_cb);
	if (covered[0] != end) {
		pr_err("range %u [%#llx-%#llx] is not reserved memory (from %#llx); reserve it with memmap=SIZE$START\n",
		       id, r->start, end - 1, covered[0]);
		return -ENXIO;
	}
	return 0;
}

static int xdax_open(struct inode *inode, struct file *file)
{
	struct xdax_dev *xd = container_of(inode->i_cdev, struct xdax_dev, cdev);
	struct xdax_file *xf;

	xf = kzalloc_obj(*xf);
	if (!xf)
		return -ENOMEM;
	xf->xd = xd;
	mutex_init(&xf->lock);
	INIT_LIST_HEAD(&xf->pins);
	xf->seen_seq = atomic64_read(&xd->reclaim_seq);
	/* Every opener maps through the device's one address_space. */
	inode->i_mapping = xd->inode->i_mapping;
	file->f_mapping = xd->inode->i_mapping;
	file->private_data = xf;
	atomic_inc(&xd->openers);
	return 0;
}

static int xdax_release(struct inode *inode, struct file *file)
{
	struct xdax_file *xf = file->private_data;
	struct xdax_dev *xd = xf->xd;

	xdax_unpin_all(xf);
	mutex_destroy(&xf->lock);
	kfree(xf);
	if (atomic_dec_and_test(&xd->openers))
		xdax_last_close(xd);
	return 0;
}

static long xdax_ioctl_info(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_info info;
	int err;

	err = xdax_copy_arg(&info, sizeof(info), uarg);
	if (err)
		return err;
	if (info.flags || info.features)
		return -EINVAL;
	info.size = sizeof(info);
	info.capacity = xd->range.size;
	info.align = XDAX_BLOCK_SIZE;
	info.phys_start = xd->range.start;
	info.id = xd->id;
	info.features = XDAX_MAPPING_REFS ? XDAX_FEATURE_MAPPING_REFS : 0;
	return xdax_copy_out(uarg, &info, sizeof(info));
}

static void xdax_stats_fill(struct xdax_dev *xd, struct xdax_stats *st)
{
	struct xdax_core *c = &xd->core;

	mutex_lock(&c->lock);
	st->total = c->nr_blocks;
	st->free = c->nr_free;
	st->in_use = c->nr_in_use;
	st->awaiting_reclaim = c->nr_awaiting;
	mutex_unlock(&c->lock);
	st->file_size = READ_ONCE(xd->size);
	st->page_free_calls = atomic64_read(&xd->page_free_calls);
	st->kernel_free_calls = atomic64_read(&xd->pgmap_free_calls);
	st->anomalies = atomic64_read(&xd->anomalies);
	st->pte_faults = atomic64_read(&xd->pte_faults);
	st->pmd_faults = atomic64_read(&xd->pmd_faults);
	st->reclaim_events = atomic64_read(&xd->reclaim_seq);
	st->pinned_pages = atomic64_read(&xd->pinned_pages);
	st->zeroed = atomic64_read(&xd->zeroed);
}

static long xdax_ioctl_stats(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_stats st;
	int err;

	err = xdax_copy_arg(&st, sizeof(st), uarg);
	if (err)
		return err;
	if (st.flags)
		return -EINVAL;
	xdax_stats_fill(xd, &st);
	st.size = sizeof(st);
	return xdax_copy_out(uarg, &st, sizeof(st));
}

static void xdax_audit_report(void *arg, unsigned long block, const char *what)
{
	struct xdax_dev *xd = arg;

	pr_err_ratelimited("%s: audit: block %lu: %s\n", dev_name(&xd->dev), block, what);
}

/*
 * Compare every block's refcount with its state, and the bookkeeping with
 * itself.  Exclusive invalidate_lock: no fault is between allocating and
 * publishing a block while we look.
 */
static unsigned long xdax_audit(struct xdax_dev *xd)
{
	struct address_space *mapping = xd->inode->i_mapping;
	struct xdax_core *c = &xd->core;
	unsigned long b, bad;
	struct folio *folio;
	int count;

	filemap_invalidate_lock(mapping);
	mutex_lock(&c->lock);
	bad = xdax_core_check(c, xdax_audit_report, xd);
	for (b = 0; b < c->nr_blocks; b++) {
		folio = xdax_block_folio(xd, b);
		count = folio_ref_count(folio);
		if (c->state[b] == XDAX_CORE_FREE) {
			if (count) {
				pr_err_ratelimited("%s: audit: free block %lu has refcount %d\n",
						   dev_name(&xd->dev), b, count);
				bad++;
			} else if (folio_mapped(folio) || folio->mapping) {
				xdax_audit_report(xd, b, "free block still mapped");
				bad++;
			}
		} else if (count < 1) {
			pr_err_ratelimited("%s: audit: owned block %lu has refcount %d\n",
					   dev_name(&xd->dev), b, count);
			bad++;
		}
	}
	mutex_unlock(&c->lock);
	filemap_invalidate_unlock(mapping);
	atomic64_add(bad, &xd->anomalies);
	return bad;
}

static long xdax_ioctl_audit(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_audit a;
	int err;

	err = xdax_copy_arg(&a, sizeof(a), uarg);
	if (err)
		return err;
	if (a.flags || a.checked || a.mismatches)
		return -EINVAL;
	a.mismatches = xdax_audit(xd);
	a.checked = xdax_nr_blocks(xd);
	return xdax_copy_out(uarg, &a, sizeof(a));
}

static long xdax_ioctl_query(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_core *c = &xd->core;
	struct xdax_query q;
	struct folio *folio;
	unsigned long b;
	int err;

	err = xdax_copy_arg(&q, sizeof(q), uarg);
	if (err)
		return err;
	if ((q.flags & ~XDAX_QUERY_BLOCK) || q.reserved || q.state || q.refcount ||
	    q.mapcount)
		return -EINVAL;
	if (q.flags & XDAX_QUERY_BLOCK) {
		if (q.block >= c->nr_blocks)
			return -EINVAL;
		b = q.block;
	} else {
		if (q.offset >= xd->range.size)
			return -EFBIG;
		b = xdax_core_lookup(c, q.offset >> XDAX_BLOCK_SHIFT);
	}
	mutex_lock(&c->lock);
	if (b == XDAX_CORE_NONE) {
		q.block = ~0ULL;
		q.state = XDAX_BLOCK_HOLE;
		q.refcount = -1;
		q.mapcount = -1;
	} else {
		folio = xdax_block_folio(xd, b);
		q.block = b;
		q.state = c->state[b] == XDAX_CORE_FREE ? XDAX_BLOCK_FREE :
			  c->state[b] == XDAX_CORE_IN_USE ? XDAX_BLOCK_IN_USE :
			  XDAX_BLOCK_AWAITING_RECLAIM;
		q.refcount = folio_ref_count(folio);
		q.mapcount = XDAX_MAPPING_REFS ? folio_mapcount(folio) : -1;
	}
	mutex_unlock(&c->lock);
	return xdax_copy_out(uarg, &q, sizeof(q));
}

static long xdax_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xdax_file *xf = file->private_data;
	struct xdax_dev *xd = xf->xd;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case XDAX_IOC_INFO:
		return xdax_ioctl_info(xd, uarg);
	case XDAX_IOC_SET_SIZE:
		return xdax_ioctl_set_size(xd, uarg);
	case XDAX_IOC_PUNCH:
		return xdax_ioctl_punch(xd, uarg);
	case XDAX_IOC_ALLOCATE:
		return xdax_ioctl_allocate(xd, uarg);
	case XDAX_IOC_PIN:
		return xdax_ioctl_pin(xf, uarg);
	case XDAX_IOC_UNPIN:
		return xdax_ioctl_unpin(xf, uarg);
	case XDAX_IOC_STATS:
		return xdax_ioctl_stats(xd, uarg);
	case XDAX_IOC_AUDIT:
		return xdax_ioctl_audit(xd, uarg);
	case XDAX_IOC_QUERY:
		return xdax_ioctl_query(xd, uarg);
	}
	return -ENOTTY;
}

static bool xdax_event_ready(struct xdax_file *xf)
{
	return atomic64_read(&xf->xd->reclaim_seq) != READ_ONCE(xf->seen_seq);
}

static __poll_t xdax_poll(struct file *file, poll_table *wait)
{
	struct xdax_file *xf = file->private_data;

	poll_wait(file, &xf->xd->event_wq, wait);
	return xdax_event_ready(xf) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* One struct xdax_event per read: the reclaims since this file's last one. */
static ssize_t xdax_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	struct xdax_file *xf = file->private_data;
	struct xdax_dev *xd = xf->xd;
	struct xdax_event ev = { .size = sizeof(ev), .type = XDAX_EVENT_RECLAIM };
	int err;

	if (count < sizeof(ev))
		return -EINVAL;
	for (;;) {
		if (!xdax_event_ready(xf) && (file->f_flags & O_NONBLOCK))
			return -EAGAIN;
		err = wait_event_interruptible(xd->event_wq, xdax_event_ready(xf));
		if (err)
			return err;
		mutex_lock(&xf->lock);
		ev.seq = atomic64_read(&xd->reclaim_seq);
		if (ev.seq != xf->seen_seq)
			break;
		mutex_unlock(&xf->lock);	/* another reader of this file took it */
	}
	ev.reclaimed = ev.seq - xf->seen_seq;
	xf->seen_seq = ev.seq;
	mutex_unlock(&xf->lock);
	mutex_lock(&xd->core.lock);
	ev.awaiting_reclaim = xd->core.nr_awaiting;
	ev.free = xd->core.nr_free;
	mutex_unlock(&xd->core.lock);
	return copy_to_user(buf, &ev, sizeof(ev)) ? -EFAULT : sizeof(ev);
}

static const struct file_operations xdax_fops = {
	.owner = THIS_MODULE,
	.open = xdax_open,
	.release = xdax_release,
	.read = xdax_read,
	.poll = xdax_poll,
	.mmap = xdax_mmap,
	.get_unmapped_area = xdax_get_unmapped_area,
	.unlocked_ioctl = xdax_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* Is @file an open /dev/xdaxN of device @xd? */
bool xdax_file_of(struct file *file, struct xdax_dev *xd)
{
	return file && file->f_op == &xdax_fops &&
	       ((struct xdax_file *)file->private_data)->xd == xd;
}

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_xdax_dev(dev)->range.size);
}
static DEVICE_ATTR_RO(size);

static ssize_t align_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%lu\n", XDAX_BLOCK_SIZE);
}
static DEVICE_ATTR_RO(align);

static ssize_t resource_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%#llx\n", to_xdax_dev(dev)->range.start);
}
static DEVICE_ATTR_RO(resource);

static ssize_t pgmap_free_calls_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_xdax_dev(dev)->pgmap_free_calls));
}
static DEVICE_ATTR_RO(pgmap_free_calls);

/* Reading `audit` runs the audit of XDAX_IOC_AUDIT and shows the mismatches. */
static ssize_t audit_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%lu\n", xdax_audit(to_xdax_dev(dev)));
}
static DEVICE_ATTR_RO(audit);

static struct attribute *xdax_dev_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_align.attr,
	&dev_attr_resource.attr,
	&dev_attr_pgmap_free_calls.attr,
	&dev_attr_audit.attr,
	NULL,
};

static const struct attribute_group xdax_dev_group = {
	.attrs = xdax_dev_attrs,
};

/* stats/<field>: the fields of XDAX_IOC_STATS, one value per file. */
struct xdax_stat_attr {
	struct device_attribute attr;
	size_t offset;		/* of the __u64 field in struct xdax_stats */
};

static ssize_t xdax_stat_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	size_t off = container_of(attr, struct xdax_stat_attr, attr)->offset;
	struct xdax_stats st;
	u64 v;

	xdax_stats_fill(to_xdax_dev(dev), &st);
	memcpy(&v, (char *)&st + off, sizeof(v));
	return sysfs_emit(buf, "%llu\n", v);
}

/* In the order of struct xdax_stats; xdax_stats_attrs lists them by index. */
static struct xdax_stat_attr xdax_stat_attrs[] = {
	{ __ATTR(file_size, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, file_size) },
	{ __ATTR(total, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, total) },
	{ __ATTR(free, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, free) },
	{ __ATTR(in_use, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, in_use) },
	{ __ATTR(awaiting_reclaim, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, awaiting_reclaim) },
	{ __ATTR(page_free_calls, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, page_free_calls) },
	{ __ATTR(kernel_free_calls, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, kernel_free_calls) },
	{ __ATTR(anomalies, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, anomalies) },
	{ __ATTR(pte_faults, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, pte_faults) },
	{ __ATTR(pmd_faults, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, pmd_faults) },
	{ __ATTR(reclaim_events, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, reclaim_events) },
	{ __ATTR(pinned_pages, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, pinned_pages) },
	{ __ATTR(zeroed, 0444, xdax_stat_show, NULL),
	  offsetof(struct xdax_stats, zeroed) },
};

static struct attribute *xdax_stats_attrs[] = {
	&xdax_stat_attrs[0].attr.attr,
	&xdax_stat_attrs[1].attr.attr,
	&xdax_stat_attrs[2].attr.attr,
	&xdax_stat_attrs[3].attr.attr,
	&xdax_stat_attrs[4].attr.attr,
	&xdax_stat_attrs[5].attr.attr,
	&xdax_stat_attrs[6].attr.attr,
	&xdax_stat_attrs[7].attr.attr,
	&xdax_stat_attrs[8].attr.attr,
	&xdax_stat_attrs[9].attr.attr,
	&xdax_stat_attrs[10].attr.attr,
	&xdax_stat_attrs[11].attr.attr,
	&xdax_stat_attrs[12].attr.attr,
	NULL,
};

static const struct attribute_group xdax_stats_group = {
	.name = "stats",
	.attrs = xdax_stats_attrs,
};

static const struct attribute_group *xdax_dev_groups[] = {
	&xdax_dev_group,
	&xdax_stats_group,
	NULL,
};

static void xdax_dev_release(struct device *dev)
{
	struct xdax_dev *xd = to_xdax_dev(dev);

	if (xd->inode)
		iput(xd->inode);
	if (xd->core.state)
		xdax_core_destroy(&xd->core);
	mutex_destroy(&xd->hold_lock);
	kfree(xd);
}

/*
 * Take back every block at unload.  rmmod only gets here when no file is
 * open and the reaper holds no module reference: nothing awaits reclaim and
 * no closed block had a foreign reference at the last look.  Every in-use
 * block is detached and frozen; a block that still cannot be frozen (a
 * reference taken since) leaves the whole range mapped and leaked rather
 * than freed under its user.
 */
static void xdax_pgmap_teardown(struct xdax_dev *xd)
{
	unsigned long left = 0, busy;

	if (!xd->pgmap_live)
		return;
	xdax_core_detach(&xd->core, 0, ULONG_MAX);
	xdax_core_reclaim(&xd->core, 0, ULONG_MAX, xdax_try_free, xd, &left);
	busy = left ? left : xdax_unfreeze_all(xd);
	if (busy) {
		pr_err("%s: %lu blocks still referenced at teardown; leaving the range mapped\n",
		       dev_name(&xd->dev), busy);
		return;
	}
	memunmap_pages(&xd->pgmap);
	xd->pgmap_live = false;
}

/* The inode whose address_space every opener shares, on xdax's pseudo fs. */
static const struct address_space_operations xdax_aops = {
	.dirty_folio = noop_dirty_folio,
};

static int xdax_inode_create(struct xdax_dev *xd)
{
	struct inode *inode = alloc_anon_inode(xdax_mnt->mnt_sb);

	if (IS_ERR(inode))
		return PTR_ERR(inode);
	/*
	 * As device-dax: a DAX character-device host makes the VMAs "DAX"
	 * (huge faults, zap treats devmap PMDs as special, memory-failure
	 * finds the owners), and noop_dirty_folio serves folio_mark_dirty()
	 * from zap, O_DIRECT completion and unpin.
	 */
	inode->i_mode = S_IFCHR;
	inode->i_flags = S_DAX;
	inode->i_rdev = xd->dev.devt;
	inode->i_mapping->a_ops = &xdax_aops;
	xd->inode = inode;
	return 0;
}

int xdax_dev_create(unsigned int id, const struct xdax_range *r, dev_t devt,
		    struct class *cls, struct xdax_dev **out)
{
	struct xdax_dev *xd;
	void *addr;
	int err;

	xd = kzalloc_obj(*xd);
	if (!xd)
		return -ENOMEM;
	xd->id = id;
	xd->range = *r;
	xd->size = r->size;
	atomic_set(&xd->openers, 0);
	mutex_init(&xd->hold_lock);
	INIT_DELAYED_WORK(&xd->reaper, xdax_reaper_fn);
	init_waitqueue_head(&xd->event_wq);
	device_initialize(&xd->dev);
	xd->dev.class = cls;
	xd->dev.devt = devt;
	xd->dev.groups = xdax_dev_groups;
	xd->dev.release = xdax_dev_release;
	err = dev_set_name(&xd->dev, "xdax%u", id);
	if (err)
		goto err_put;
	err = xdax_core_init(&xd->core, r->size >> XDAX_BLOCK_SHIFT);
	if (err)
		goto err_put;
	err = xdax_inode_create(xd);
	if (err)
		goto err_put;

	xd->res = request_mem_region(r->start, r->size, dev_name(&xd->dev));
	if (!xd->res) {
		pr_err("range %u [%#llx-%#llx] is already claimed by another driver\n",
		       id, r->start, r->start + r->size - 1);
		err = -EBUSY;
		goto err_put;
	}

	xd->pgmap.type = MEMORY_DEVICE_GENERIC;
	xd->pgmap.range.start = r->start;
	xd->pgmap.range.end = r->start + r->size - 1;
	xd->pgmap.nr_range = 1;
	xd->pgmap.vmemmap_shift = XDAX_BLOCK_ORDER;
	xd->pgmap.ops = &xdax_pgmap_ops;
	addr = memremap_pages(&xd->pgmap, NUMA_NO_NODE);
	if (IS_ERR(addr)) {
		err = PTR_ERR(addr);
		pr_err("%s: memremap_pages failed: %d\n", dev_name(&xd->dev), err);
		goto err_region;
	}
	err = xdax_freeze_all(xd);
	if (err) {
		memunmap_pages(&xd->pgmap);
		goto err_region;
	}
	xd->pgmap_live = true;

	cdev_init(&xd->cdev, &xdax_fops);
	xd->cdev.owner = THIS_MODULE;
	err = cdev_device_add(&xd->cdev, &xd->dev);
	if (err)
		goto err_pgmap;

	dev_info(&xd->dev, "%llu MiB at [%#llx-%#llx], %lu blocks of %lu KiB, all free\n",
		 r->size >> 20, r->start, r->start + r->size - 1,
		 xdax_nr_blocks(xd), XDAX_BLOCK_SIZE >> 10);
	*out = xd;
	return 0;

err_pgmap:
	xdax_pgmap_teardown(xd);
	if (xd->pgmap_live)
		return err;	/* leaked with its struct pages, as in destroy */
err_region:
	release_mem_region(r->start, r->size);
err_put:
	put_device(&xd->dev);
	return err;
}

/* Returns false if the range had to be leaked (see xdax_pgmap_teardown). */
bool xdax_dev_destroy(struct xdax_dev *xd)
{
	cdev_device_del(&xd->cdev, &xd->dev);
	cancel_delayed_work_sync(&xd->reaper);
	xdax_pgmap_teardown(xd);
	/* Still-mapped struct pages point at xd->pgmap: leak xd with them. */
	if (xd->pgmap_live)
		return false;
	release_mem_region(xd->range.start, xd->range.size);
	put_device(&xd->dev);
	return true;
}
