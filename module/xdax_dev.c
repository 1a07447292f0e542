// SPDX-License-Identifier: GPL-2.0
/*
 * One xdax device: a reserved physical range, its MEMORY_DEVICE_GENERIC
 * dev_pagemap, and the character device /dev/xdaxN with its sysfs attributes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/page_ref.h>
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

static struct folio *xdax_block_folio(struct xdax_dev *xd, unsigned long block)
{
	unsigned long pfn = PHYS_PFN(xd->range.start) + (block << XDAX_BLOCK_ORDER);

	return page_folio(pfn_to_page(pfn));
}

static unsigned long xdax_nr_blocks(struct xdax_dev *xd)
{
	return xd->range.size >> XDAX_BLOCK_SHIFT;
}

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
	file->private_data = container_of(inode->i_cdev, struct xdax_dev, cdev);
	return 0;
}

static long xdax_ioctl_info(struct xdax_dev *xd, struct xdax_info __user *uarg)
{
	struct xdax_info info;
	u32 usize;
	int err;

	if (get_user(usize, &uarg->size))
		return -EFAULT;
	if (usize < offsetofend(struct xdax_info, flags))
		return -EINVAL;
	err = copy_struct_from_user(&info, sizeof(info), uarg, usize);
	if (err)
		return err;
	if (info.flags || info.reserved)
		return -EINVAL;
	info.size = sizeof(info);
	info.capacity = xd->range.size;
	info.align = XDAX_BLOCK_SIZE;
	info.phys_start = xd->range.start;
	info.id = xd->id;
	if (copy_to_user(uarg, &info, min_t(u32, usize, sizeof(info))))
		return -EFAULT;
	return 0;
}

static long xdax_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xdax_dev *xd = file->private_data;

	switch (cmd) {
	case XDAX_IOC_INFO:
		return xdax_ioctl_info(xd, (struct xdax_info __user *)arg);
	}
	return -ENOTTY;
}

static const struct file_operations xdax_fops = {
	.owner = THIS_MODULE,
	.open = xdax_open,
	.unlocked_ioctl = xdax_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

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

static struct attribute *xdax_dev_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_align.attr,
	&dev_attr_resource.attr,
	&dev_attr_pgmap_free_calls.attr,
	NULL,
};

static const struct attribute_group xdax_dev_group = {
	.attrs = xdax_dev_attrs,
};

static const struct attribute_group *xdax_dev_groups[] = {
	&xdax_dev_group,
	NULL,
};

static void xdax_dev_release(struct device *dev)
{
	kfree(to_xdax_dev(dev));
}

static void xdax_pgmap_teardown(struct xdax_dev *xd)
{
	unsigned long busy;

	if (!xd->pgmap_live)
		return;
	busy = xdax_unfreeze_all(xd);
	if (busy) {
		/* Leak the range rather than free struct pages still in use. */
		pr_err("%s: %lu blocks still in use at teardown; leaving the range mapped\n",
		       dev_name(&xd->dev), busy);
		return;
	}
	memunmap_pages(&xd->pgmap);
	xd->pgmap_live = false;
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
	device_initialize(&xd->dev);
	xd->dev.class = cls;
	xd->dev.devt = devt;
	xd->dev.groups = xdax_dev_groups;
	xd->dev.release = xdax_dev_release;
	err = dev_set_name(&xd->dev, "xdax%u", id);
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

void xdax_dev_destroy(struct xdax_dev *xd)
{
	cdev_device_del(&xd->cdev, &xd->dev);
	xdax_pgmap_teardown(xd);
	/* Still-mapped struct pages point at xd->pgmap: leak xd with them. */
	if (xd->pgmap_live)
		return;
	release_mem_region(xd->range.start, xd->range.size);
	put_device(&xd->dev);
}
